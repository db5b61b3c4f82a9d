import { describe, expect, it } from "vitest";
import type { Host } from "../../shared/core/host.js";
import { summaryOf } from "../../shared/core/placement.js";
import { ReplicaIndex } from "../../shared/core/replica-index.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
import { fixedHosts, host, placement } from "../support/fixtures.js";

function running(id: string, images: string[]): Host {
  return {
    ...host(id, 8, 8192),
    placements: images.map((image) => summaryOf(placement(id, 100, 64, image))),
  };
}

/** Replica counts by host id, for readable expectations. */
function counts(replicas: ReadonlyMap<Host, number>): Record<string, number> {
  return Object.fromEntries([...replicas].map(([host, count]) => [host.id, count]));
}

describe("replica index", () => {
  it("counts each image's replicas per host", () => {
    const index = new ReplicaIndex([
      running("a", ["redis:7", "redis:7", "nginx:1"]),
      running("b", ["redis:7"]),
    ]);
    expect(counts(index.of("redis:7"))).toEqual({ a: 2, b: 1 });
    expect(counts(index.of("nginx:1"))).toEqual({ a: 1 });
    expect(counts(index.of("absent:1"))).toEqual({});
  });

  it("follows a host's changes: the old object leaves, the new one enters", () => {
    const before = running("a", ["redis:7", "nginx:1"]);
    const index = new ReplicaIndex([before]);
    const after = running("a", ["redis:7", "redis:7"]);
    index.replace(before, after);
    expect(counts(index.of("redis:7"))).toEqual({ a: 2 });
    expect(index.of("redis:7").has(before)).toBe(false);
    expect(counts(index.of("nginx:1"))).toEqual({});
    index.replace(after, undefined);
    expect(counts(index.of("redis:7"))).toEqual({});
  });

  it("stays true in a scheduler's snapshot through reloads, commits and conflicts", async () => {
    const stored = [running("a", ["redis:7"]), running("b", [])];
    const snapshot = new HostSnapshot(fixedHosts(stored), 1000);
    /** The replica counts the snapshot gives spread scoring, by host id. */
    const viewed = (image: string) => {
      const replicas = snapshot.replicas(image);
      return Object.fromEntries(
        snapshot.values().flatMap((one) => (replicas.get(one) ? [[one.id, replicas.get(one)]] : [])),
      );
    };
    await snapshot.reload();
    // A commit before any count is asked (the index is not built yet), then one after.
    snapshot.committed(placement("b", 100, 64, "redis:7"));
    expect(viewed("redis:7")).toEqual({ a: 1, b: 1 });
    snapshot.committed(placement("b", 100, 64, "redis:7"));
    expect(viewed("redis:7")).toEqual({ a: 1, b: 2 });

    snapshot.put("a", undefined);
    expect(viewed("redis:7")).toEqual({ b: 2 });
    await snapshot.reload();
    expect(viewed("redis:7")).toEqual({ a: 1 });
  });
});
