import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RefreshSettings } from "../../shared/core/observe.js";
import { type FakeCluster, startFakeCluster } from "../support/fake-cluster.js";

// 1,000 hosts on DynamoDB Local, each a fake Docker engine on its own port of 127.0.0.1 (one server in this
// process), refreshed by fan-out rounds whose shards run here as `npm start` runs them. Timing is the
// refresh benchmark's (`npm run bench -- --parts refresh`), not this test's.
const HOSTS = 1000;
// 10 s probes in a 60 s round: 16 hosts at a time in 5 waves, 80 hosts a shard, so 13 shards. The round
// is long enough for a loaded machine to reach every host (here it takes 10 to 30 s), so none is skipped.
const SETTINGS: RefreshSettings = { downAfter: 3, graceMs: 300_000, timeoutMs: 10_000, concurrency: 16 };
const BUDGET_MS = 60_000;

let cluster: FakeCluster;

beforeAll(async () => {
  cluster = await startFakeCluster(inject("dynamodbEndpoint"), HOSTS, SETTINGS, 100);
}, 60_000);
afterAll(() => cluster?.close());

describe("a fan-out refresh round of 1,000 hosts", () => {
  it("refreshes every host of every shard exactly once, while one shard's worker fails alone", async () => {
    let failedShard: string[] = [];
    const report = await cluster.round(BUDGET_MS, (run) => async (shard) => {
      const ids = shard.hosts.map((host) => host.id);
      if (failedShard.length === 0) {
        failedShard = ids;
        throw new Error("worker crashed");
      }
      return run(shard);
    });

    expect(report.shards).toBe(13);
    expect(report.failed).toEqual([
      { shard: expect.any(Number), hosts: failedShard, error: "worker crashed" },
    ]);
    const refreshed = report.results.map((result) => result.id);
    expect(new Set(refreshed).size).toBe(refreshed.length);
    expect(refreshed.length + failedShard.length).toBe(HOSTS);
    expect([report.hosts, report.answered, report.skipped]).toEqual([refreshed.length, refreshed.length, 0]);

    const probes = cluster.engines.probes();
    const failed = new Set(failedShard);
    const hosts = await cluster.registry.listHosts();
    for (const host of hosts) {
      expect(probes.get(host.addr) ?? 0).toBe(failed.has(host.id) ? 0 : 1);
      expect(host.health.lastProbeAt === null).toBe(failed.has(host.id));
      if (!failed.has(host.id)) expect([host.total.cpu, host.total.memory]).toEqual([4000, 8192]);
    }
  }, 120_000);
});
