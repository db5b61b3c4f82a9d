import { describe, expect, it } from "vitest";
import type { Host } from "../../shared/core/host.js";
import { ReplicaIndex } from "../../shared/core/replica-index.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
import { host, placement } from "../support/fixtures.js";

function running(id: string, images: string[]): Host {
  return { ...host(id, 8, 8192), placements: images.map((image) => placement(id, 100, 64, image)) };
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
    const snapshot = new HostSnapshot({ listHosts: async () => stored }, 1000);
    await snapshot.reload();
    expect(counts(snapshot.replicas("redis:7"))).toEqual({ a: 1 });

    snapshot.committed(placement("b", 100, 64, "redis:7"));
    expect(counts(snapshot.replicas("redis:7"))).toEqual({ a: 1, b: 1 });
    expect(snapshot.replicas("redis:7").has(snapshot.values().find((one) => one.id === "b") as Host)).toBe(
      true,
    );

    snapshot.put("a", undefined);
    expect(counts(snapshot.replicas("redis:7"))).toEqual({ b: 1 });
    await snapshot.reload();
    expect(counts(snapshot.replicas("redis:7"))).toEqual({ a: 1 });
  });
});
