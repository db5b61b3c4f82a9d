import { loadConfig } from "../shared/adapters/config.js";
import { LAMBDA_MARGIN_MS } from "../shared/adapters/system.js";
import { shardSize } from "../shared/core/fan-out.js";
import { startFakeCluster } from "../test/support/fake-cluster.js";

export interface RefreshResult {
  hosts: number;
  containersPerHost: number;
  concurrency: number;
  timeoutMs: number;
  workers: number;
  shardSize: number;
  shards: number;
  /** One whole round of `hosts` (after a first, warming one), every shard in this process at once. */
  roundMs: number;
  /** The slowest shard of that round. */
  slowestShardMs: number;
  /** The coordinator's listing of the hosts (one Scan). */
  listMs: number;
  /** At 10,000 hosts with the deployed defaults: how many hosts each worker gets, and one such shard alone. */
  projected: { hosts: number; shards: number; hostsPerShard: number; shardMs: number; roundMs: number };
}

/** The deployed refresh round's time: the refresh Lambda's 60 s less its margin. */
const ROUND_BUDGET_MS = 60_000 - LAMBDA_MARGIN_MS;

/**
 * A fan-out refresh round against `hosts` fake Docker engines on loopback (one server in this process) and
 * DynamoDB Local, with the deployed settings (loadConfig's defaults), its shards run at once in this
 * process; then one shard of the size each worker gets at 10,000 hosts, alone, as one worker Lambda runs
 * it. In AWS every shard is its own Lambda, so a 10,000-host round takes about the listing, scaled, plus
 * one such shard; here one machine runs them all, which makes the 1,000-host figure a pessimistic one.
 */
export async function benchRefresh(endpoint: string, hosts: number): Promise<RefreshResult> {
  const { refresh: settings, fanOut } = loadConfig({});
  const containersPerHost = 2;
  const cluster = await startFakeCluster(endpoint, hosts, settings, fanOut.workers, {
    containers: containersPerHost,
  });
  try {
    const listStarted = performance.now();
    await cluster.registry.listHosts();
    const listMs = performance.now() - listStarted;
    // A first round warms DynamoDB Local's JVM up (it runs a first round about twice as slowly).
    await cluster.round(ROUND_BUDGET_MS);
    const shardMs: number[] = [];
    const report = await cluster.round(ROUND_BUDGET_MS, (run) => async (shard) => {
      const started = performance.now();
      const shardReport = await run(shard);
      shardMs.push(performance.now() - started);
      return shardReport;
    });
    const size = shardSize(settings, ROUND_BUDGET_MS);
    // planShards at 10,000 hosts: as many shards as that size needs, at most the workers, dealt evenly.
    const shards10k = Math.min(fanOut.workers, Math.ceil(10_000 / size));
    const perShard = Math.ceil(10_000 / shards10k);
    // One shard of that size alone: the first hosts of the cluster, as one worker refreshes them.
    const listed = await cluster.registry.listHosts();
    const aloneStarted = performance.now();
    await cluster.runShard({
      round: new Date().toISOString(),
      index: 0,
      of: 1,
      hosts: listed.slice(0, perShard),
      deadline: Date.now() + ROUND_BUDGET_MS,
    });
    const oneShard = Math.round(performance.now() - aloneStarted);
    return {
      hosts,
      containersPerHost,
      concurrency: settings.concurrency,
      timeoutMs: settings.timeoutMs,
      workers: fanOut.workers,
      shardSize: size,
      shards: report.shards,
      roundMs: Math.round(report.ms),
      slowestShardMs: Math.round(Math.max(...shardMs)),
      listMs: Math.round(listMs),
      projected: {
        hosts: 10_000,
        shards: shards10k,
        hostsPerShard: perShard,
        shardMs: oneShard,
        roundMs: Math.round(listMs * (10_000 / hosts) + oneShard),
      },
    };
  } finally {
    await cluster.close();
  }
}
