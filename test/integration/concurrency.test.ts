import { describe, expect, it } from "vitest";
import { system } from "../../shared/adapters/system.js";
import { type PlaceOutcome, place } from "../../shared/core/place.js";
import { parseContainerRequest } from "../../shared/core/request.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
import { freshDynamoDbRegistry } from "../support/dynamodb.js";
import { host, scheduler } from "../support/fixtures.js";

// 8 schedulers, each with a snapshot of its own as 8 warm Lambda containers would have, race 240
// placements for a cluster that fits 60, with DynamoDB Local as the only arbiter.
const SCHEDULERS = 8;
const REQUESTS = 240;
const HOSTS = 6;
const FITS_PER_HOST = 10;

function pick<T>(items: T[], index: number): T {
  const item = items[index % items.length];
  if (item === undefined) throw new Error("empty list");
  return item;
}

describe("parallel schedulers racing for a small cluster", () => {
  it.each(["service", "batch"])("%s: admits exactly the capacity and over-commits no host", async (type) => {
    const registry = await freshDynamoDbRegistry();
    for (let index = 0; index < HOSTS; index++) await registry.addHost(host(`h${index}`, 2, 2048));
    const container = { image: "example/race:1", cpus: "0.2", memory: 200, type };
    const parsed = parseContainerRequest(container);
    if (!parsed.ok) throw new Error("the test's request is invalid");
    const schedulers = Array.from({ length: SCHEDULERS }, () => ({
      registry,
      snapshot: new HostSnapshot(registry, 60_000),
      maxAttempts: 5,
      ...system,
    }));

    const started = performance.now();
    const outcomes: PlaceOutcome[] = await Promise.all(
      Array.from({ length: REQUESTS }, (_, index) =>
        place(
          scheduler(type),
          { request: parsed.value, container, fingerprint: "f", deliveryId: `d-${index}` },
          pick(schedulers, index),
        ),
      ),
    );
    const seconds = (performance.now() - started) / 1000;

    const count = (kind: PlaceOutcome["kind"]) => outcomes.filter((outcome) => outcome.kind === kind).length;
    const figures = {
      type,
      requests: REQUESTS,
      admitted: count("placed"),
      unschedulable: count("unschedulable"),
      contention: count("contention"),
      attempts: outcomes.reduce((sum, outcome) => sum + outcome.stats.attempts, 0),
      conflicts: outcomes.reduce((sum, outcome) => sum + outcome.stats.conflicts, 0),
      seconds: Number(seconds.toFixed(2)),
    };
    console.log(`concurrency ${JSON.stringify(figures)}`);

    expect(figures.admitted).toBe(HOSTS * FITS_PER_HOST);
    expect(figures.admitted + figures.unschedulable + figures.contention).toBe(REQUESTS);
    for (const after of await registry.listHosts()) {
      expect(after.freeCpu).toBe(0);
      expect(after.freeMemory).toBe(2048 - FITS_PER_HOST * 200);
      expect(after.placements).toHaveLength(FITS_PER_HOST);
      expect(after.placements.reduce((sum, live) => sum + live.amounts.cpu, 0)).toBe(2000);
    }
  });
});
