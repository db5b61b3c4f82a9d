import { Logger } from "@aws-lambda-powertools/logger";
import { createApi } from "../../functions/api/router.js";
import { createScheduler } from "../../functions/scheduler/scheduler.js";
import { loadConfig, readHostAllowlist } from "../adapters/config.js";
import { InProcessInvoker, type Invoker } from "../adapters/invoker.js";
import { lazyDockerEngines } from "../adapters/lazy-engines.js";
import { MemoryProfileStore } from "../adapters/memory-profiles.js";
import type { Refresher } from "../adapters/refresh-invoker.js";
import { system, timeLeft } from "../adapters/system.js";
import { type Allowlist, LOOPBACK_RANGES, PRIVATE_RANGES } from "../core/address.js";
import type { Engines } from "../core/engine.js";
import { type FanOutSettings, refreshRound, type Shard, untilDeadline } from "../core/fan-out.js";
import type { RefreshSettings } from "../core/observe.js";
import type { ProfileStore } from "../core/profile.js";
import { type RefreshDependencies, type RefreshReport, refreshHosts } from "../core/refresh.js";
import type { Registry } from "../core/registry.js";
import type { SchedulerType } from "../core/schedulers.js";
import { HostSnapshot } from "../core/snapshot.js";

export interface InProcessOptions {
  snapshotMaxAgeMs: number;
  maxAttempts: number;
  /** Wraps the invoker the router calls the scheduler with (tests use it to deliver twice). */
  invoker?: (direct: Invoker) => Invoker;
  /** The Docker engines; by default the real ones, with certificates from CITADEL_DOCKER_CERT_PATH. */
  engines?: Engines;
  /** Image profiles; in memory by default. */
  profiles?: ProfileStore;
  /** How the refresh judges hosts; the defaults of loadConfig otherwise. */
  refresh?: RefreshSettings;
  /** How a refresh round fans out (its shards run in this process); the defaults of loadConfig otherwise. */
  fanOut?: FanOutSettings;
  /** Where Docker hosts may be; LOCAL_HOST_RANGES otherwise. */
  hostAllowlist?: Allowlist;
  /** How long one scheduler request and one refresh round may take (as a Lambda's timeout); loadConfig's default otherwise. */
  budgetMs?: number;
  /** The scheduler types (CITADEL_SCHEDULER_TYPES's); the built-in ones otherwise. */
  schedulers?: readonly SchedulerType[];
}

/**
 * Runs each shard of a round in this process, as the worker Lambda runs it in AWS (the same core, until
 * the shard's deadline); the round runs its shards at once.
 */
export function inProcessShards(
  deps: Omit<RefreshDependencies, "remainingMs">,
): (shard: Shard) => Promise<RefreshReport> {
  return (shard) => refreshHosts(shard.hosts, { ...deps, remainingMs: untilDeadline(shard, deps.now) });
}

/** Where Docker hosts may be on a developer's machine by default: the private ranges, and loopback. */
export const LOCAL_HOST_RANGES: readonly string[] = [...PRIVATE_RANGES, ...LOOPBACK_RANGES];

/**
 * The router, a scheduler that serves every type and the capacity refresh, in this process, over one
 * registry: the wiring of the local server (and of tests), with the same handlers as the Lambdas.
 */
export function inProcessApi(registry: Registry, options: InProcessOptions) {
  const defaults = loadConfig({});
  const settings = options.refresh ?? defaults.refresh;
  const budgetMs = options.budgetMs ?? defaults.budgetMs;
  const hostAllowlist = options.hostAllowlist ?? readHostAllowlist({}, LOCAL_HOST_RANGES);
  const engines =
    options.engines ??
    lazyDockerEngines(process.env, {
      timeoutMs: settings.timeoutMs,
      allowlist: hostAllowlist,
    });
  const profiles = options.profiles ?? new MemoryProfileStore();
  const schedulers = options.schedulers ?? defaults.schedulers;
  const scheduler = createScheduler({
    registry,
    snapshot: new HostSnapshot(registry, options.snapshotMaxAgeMs),
    maxAttempts: options.maxAttempts,
    ...system,
    servesType: undefined,
    schedulers,
    logger: new Logger({ serviceName: "citadel-scheduler" }),
    engines,
  });
  const refresh: Refresher = () =>
    refreshRound({
      registry,
      settings,
      fanOut: options.fanOut ?? defaults.fanOut,
      now: system.now,
      remainingMs: timeLeft(budgetMs),
      runShard: inProcessShards({ registry, engines, profiles, settings, now: system.now }),
    });
  const direct = new InProcessInvoker((event) => scheduler(event, timeLeft(budgetMs)));
  const api = createApi({
    registry,
    hostAllowlist,
    schedulers,
    invoker: options.invoker ? options.invoker(direct) : direct,
    refresh,
    profiles,
    now: system.now,
    logger: new Logger({ serviceName: "citadel-api" }),
  });
  return { api, scheduler, refresh };
}
