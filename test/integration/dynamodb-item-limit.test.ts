import { Logger } from "@aws-lambda-powertools/logger";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { createScheduler } from "../../functions/scheduler/scheduler.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { toItem } from "../../shared/adapters/dynamodb/items.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import type { Host } from "../../shared/core/host.js";
import { place } from "../../shared/core/place.js";
import { summaryOf } from "../../shared/core/placement.js";
import { COMMIT_REFUSED_REASON } from "../../shared/core/registry.js";
import { parseContainerRequest } from "../../shared/core/request.js";
import { amounts, freeCounters } from "../../shared/core/resources.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
import { PATIENT } from "../support/dynamodb.js";
import { host, noEngines, placement, scheduler } from "../support/fixtures.js";
import { freshTables } from "../support/tables.js";

/** DynamoDB's item size limit, in bytes. */
const ITEM_LIMIT = 400 * 1024;

/**
 * A registry on fresh tables holding `stored` as an item padded (by an attribute Citadel does not read)
 * to within 32 bytes of DynamoDB's 400 KB: no placement's entry (about 200 bytes) fits any more. The
 * padding starts above what JSON's length suggests (it counts quotes and braces DynamoDB does not) and
 * shrinks until the store takes the item.
 */
async function withNearlyFullItem(stored: Host = host("big", 64, 131072)) {
  const endpoint = inject("dynamodbEndpoint");
  const tables = await freshTables(endpoint);
  const client = dynamoDbClient(endpoint, PATIENT);
  const item = toItem(stored);
  for (let padding = ITEM_LIMIT - JSON.stringify(item).length + 512; ; padding -= 32) {
    try {
      const padded = marshall({ ...item, padding: "x".repeat(padding) });
      await client.send(new PutItemCommand({ TableName: tables.hosts, Item: padded }));
      return new DynamoDbRegistry(client, tables);
    } catch (error) {
      if ((error as Error).name !== "ValidationException") throw error;
    }
  }
}

const CONTAINER = { image: "redis:7", cpus: "0.5", memory: 512, type: "service" };

function placing(registry: DynamoDbRegistry, refusals: string[] = []) {
  const parsed = parseContainerRequest(CONTAINER);
  if (!parsed.ok) throw new Error("the container is valid");
  return (idempotencyKey?: string) =>
    place(
      scheduler("service"),
      {
        request: parsed.value,
        container: CONTAINER,
        fingerprint: "f",
        deliveryId: crypto.randomUUID(),
        ...(idempotencyKey && { idempotencyKey }),
      },
      {
        registry,
        snapshot: new HostSnapshot(registry, 60_000),
        maxAttempts: 5,
        now: () => new Date(),
        random: () => 0,
        sleep: async () => {},
        onRefused: (refusal) => refusals.push(`${refusal.hostId}: ${refusal.detail}`),
      },
    );
}

describe("DynamoDB registry: a commit the item size limit refuses", () => {
  it("is a refusal about that host, with or without an idempotency key, and nothing is reserved", async () => {
    const registry = await withNearlyFullItem();
    const plain = await registry.commit({ placement: placement("big", 100, 100) });
    expect(plain).toMatchObject({ kind: "refused", hostId: "big", reason: COMMIT_REFUSED_REASON });
    expect(plain.kind === "refused" && plain.detail).toMatch(/size/i);
    const keyed = await registry.commit({
      placement: placement("big", 100, 100),
      idempotency: {
        key: "k",
        fingerprint: "f",
        outcome: "placed",
        answer: {},
        deliveryId: "d",
        createdAt: 1_000,
        expiresAt: 90_400,
      },
    });
    expect(keyed).toMatchObject({ kind: "refused", hostId: "big" });
    expect(await registry.findIdempotencyRecord("k", 1_000)).toBeUndefined();
    const after = await registry.getHost("big");
    expect([after?.freeCpu, after?.placements]).toEqual([64_000, []]);
  });

  it("places on another host when one is there, and logs the store's words for the operator", async () => {
    const registry = await withNearlyFullItem();
    await registry.addHost(host("small", 4, 8192));
    const refusals: string[] = [];
    // Spread prefers the big, empty host: its commit is refused, the next goes to the small one.
    const outcome = await placing(registry, refusals)();
    expect(outcome.kind === "placed" && outcome.placement?.hostId).toBe("small");
    expect(outcome.kind === "placed" && outcome.stats.attempts).toBe(2);
    expect(refusals).toEqual([expect.stringMatching(/^big: .*size/i)]);
    expect((await registry.getHost("small"))?.placements).toHaveLength(1);
  });

  it("answers 409 naming the host when it was the only one, through the scheduler, not a 500", async () => {
    const registry = await withNearlyFullItem();
    const logged: unknown[] = [];
    const logger = new Logger({ serviceName: "test" });
    logger.error = (...args: unknown[]) => void logged.push(args);
    const schedule = createScheduler({
      registry,
      snapshot: new HostSnapshot(registry, 60_000),
      maxAttempts: 5,
      now: () => new Date(),
      random: Math.random,
      sleep: async () => {},
      servesType: undefined,
      logger,
      engines: noEngines,
    });
    for (const idempotencyKey of [undefined, "report-1"]) {
      const result = await schedule({
        type: "service",
        container: CONTAINER,
        correlationId: "c-1",
        deliveryId: crypto.randomUUID(),
        caller: "anonymous",
        ...(idempotencyKey && { idempotencyKey }),
      });
      expect(result.statusCode).toBe(409);
      expect(result.body).toEqual({
        error: "unschedulable",
        message: "0/1 hosts are available: 1 refused by the registry.",
        hosts: 1,
        reasons: { "refused by the registry": 1 },
        refused: { big: COMMIT_REFUSED_REASON },
      });
    }
    // DynamoDB's own message is in the operator's log, never in the answer.
    expect(JSON.stringify(logged)).toMatch(/big.*size/i);
  });

  it("still finds a placement that landed before: a replay fails its condition, not the size check", async () => {
    const made = placement("big", 100, 100);
    const registry = await withNearlyFullItem({
      ...host("big", 64, 131072),
      placements: [summaryOf(made)],
      ...freeCounters(amounts({ cpu: 63_900, memory: 130_972 })),
    });
    expect(await registry.commit({ placement: made })).toMatchObject({ kind: "committed" });
  });
});
