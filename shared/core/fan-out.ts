import { withTimeout } from "./concurrency.js";
import { groupBy } from "./group-by.js";
import type { Host } from "./host.js";
import type { RefreshSettings } from "./observe.js";
import { leastRecentlyProbedFirst, RESULTS_RESERVE_MS, type RefreshReport } from "./refresh.js";
import type { Registry } from "./registry.js";

/**
 * One shard of a refresh round: the hosts one worker refreshes (refreshHosts) and the round's deadline.
 * Hosts travel as listed, without their placements and events (the bulk of an item): a worker judges
 * each host on a read of it made after its probe, so it needs of the listing only what the probe and the
 * engine owners use (address, TLS, status, creation time, stored engine ID, last probe).
 */
export interface Shard {
  /** The round, by the time it started (ISO 8601). */
  round: string;
  index: number;
  of: number;
  hosts: Host[];
  /** When the round ends (ms since the epoch): a worker starts no probe that cannot end before. */
  deadline: number;
}

/** A shard whose worker failed (threw, timed out, could not be invoked): its hosts wait for the next round. */
export interface FailedShard {
  shard: number;
  hosts: string[];
  error: string;
}

/** A fan-out round: the shards' reports merged, and what became of the shards. */
export interface RoundReport extends RefreshReport {
  shards: number;
  /** Shards handed to workers not awaited (asynchronous invocations): their hosts are not counted here. */
  dispatched: number;
  failed: FailedShard[];
}

/** How a round fans out. */
export interface FanOutSettings {
  /** The most shards (workers) a round runs at once: the worker Lambda's reserved concurrency in AWS. */
  workers: number;
}

export interface RoundDependencies {
  registry: Pick<Registry, "listHosts">;
  settings: RefreshSettings;
  fanOut: FanOutSettings;
  now: () => Date;
  /** The round's time left, in ms: the coordinator's (a Lambda's time less a margin, or a local budget). */
  remainingMs: () => number;
  /**
   * Runs one shard: its report once its worker is done, or undefined once it is handed to a worker that
   * answers no one (an asynchronous invocation, whose failures Lambda sends to the dead-letter queue).
   */
  runShard: (shard: Shard) => Promise<RefreshReport | undefined>;
}

/**
 * How many hosts one worker can refresh within `budgetMs` even when every probe times out: `concurrency`
 * hosts at a time, in as many waves of `timeoutMs` as fit before the results' reserve (at least one).
 * Defaults (16 at a time, 20 s probes, a 60 s Lambda less margins): 16 × 2 = 32 hosts.
 */
export function shardSize(settings: RefreshSettings, budgetMs: number): number {
  const waves = Math.floor((budgetMs - RESULTS_RESERVE_MS) / settings.timeoutMs);
  return settings.concurrency * Math.max(1, waves);
}

/**
 * Splits hosts (least recently probed first) into at most `workers` shards of about `size` hosts; with
 * more hosts than that, shards grow past `size`, and what a worker cannot reach in time it skips (first
 * next round). Hosts are dealt round-robin, so each shard starts with the hosts waiting longest.
 *
 * One engine is one host across shards: hosts whose stored engine ID is the same go to one shard, where
 * EngineOwners judges them as the single refresh did (the one registered first keeps the engine, the
 * others go down). A duplicate no host had stored when the round started (two new hosts on one engine,
 * reported in two shards) is stored by both workers, so the next round puts them in one shard and the
 * later one goes down then: at most one round late, and never judged wrongly.
 */
export function planShards(hosts: readonly Host[], size: number, workers: number): Host[][] {
  const count = Math.min(Math.max(1, workers), Math.ceil(hosts.length / Math.max(1, size)));
  const shards: Host[][] = Array.from({ length: count }, () => []);
  const groups = groupBy(hosts, (host) => (host.engine?.id ? `engine:${host.engine.id}` : `host:${host.id}`));
  let next = 0;
  for (const group of groups.values()) {
    shards[next % count]?.push(...group);
    next++;
  }
  return shards;
}

/** The time left before a shard's deadline, by the clock given. */
export function untilDeadline(shard: Shard, now: () => Date): () => number {
  return () => shard.deadline - now().getTime();
}

/**
 * One refresh round fanned out: lists the hosts once, splits them into shards (planShards, sized by
 * shardSize for the round's time), runs every shard at once, and merges what they report. Shards are
 * independent: one whose worker throws, or has not answered when the round's time is up, is reported
 * in `failed` and stops no other.
 */
export async function refreshRound(deps: RoundDependencies): Promise<RoundReport> {
  const started = performance.now();
  const hosts = leastRecentlyProbedFirst(await deps.registry.listHosts());
  const budgetMs = deps.remainingMs();
  const at = deps.now();
  const groups = planShards(hosts, shardSize(deps.settings, budgetMs), deps.fanOut.workers);
  const outcomes = await Promise.all(
    groups.map(async (members, index) => {
      const shard: Shard = {
        round: at.toISOString(),
        index,
        of: groups.length,
        hosts: members.map((host) => ({ ...host, placements: [], events: [] })),
        deadline: at.getTime() + budgetMs,
      };
      try {
        return {
          report: await withTimeout(deps.runShard(shard), Math.max(0, Math.round(deps.remainingMs()))),
        };
      } catch (error) {
        const failed: FailedShard = {
          shard: index,
          hosts: members.map((host) => host.id),
          error: error instanceof Error ? error.message : String(error),
        };
        return { failed };
      }
    }),
  );
  const reports = outcomes.flatMap((outcome) => (outcome.report ? [outcome.report] : []));
  const sum = (field: "hosts" | "answered" | "down" | "released" | "skipped") =>
    reports.reduce((total, report) => total + report[field], 0);
  return {
    hosts: sum("hosts"),
    answered: sum("answered"),
    down: sum("down"),
    released: sum("released"),
    skipped: sum("skipped"),
    ms: Math.round(performance.now() - started),
    results: reports.flatMap((report) => report.results),
    shards: groups.length,
    dispatched: outcomes.filter((outcome) => "report" in outcome && outcome.report === undefined).length,
    failed: outcomes.flatMap((outcome) => ("failed" in outcome && outcome.failed ? [outcome.failed] : [])),
  };
}
