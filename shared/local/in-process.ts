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
import type { ProfileStore } from "../core/profile.js";
import { type RefreshSettings, refreshCluster } from "../core/refresh.js";
import type { Registry } from "../core/registry.js";
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
  /** Where Docker hosts may be; LOCAL_HOST_RANGES otherwise. */
  hostAllowlist?: Allowlist;
  /** How long one scheduler request and one refresh round may take (as a Lambda's timeout); loadConfig's default otherwise. */
  budgetMs?: number;
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
  const scheduler = createScheduler({
    registry,
    snapshot: new HostSnapshot(registry, options.snapshotMaxAgeMs),
    maxAttempts: options.maxAttempts,
    ...system,
    servesType: undefined,
    logger: new Logger({ serviceName: "citadel-scheduler" }),
    engines,
  });
  const refresh: Refresher = () =>
    refreshCluster({
      registry,
      engines,
      profiles,
      settings,
      now: system.now,
      remainingMs: timeLeft(budgetMs),
    });
  const direct = new InProcessInvoker((event) => scheduler(event, timeLeft(budgetMs)));
  const api = createApi({
    registry,
    hostAllowlist,
    invoker: options.invoker ? options.invoker(direct) : direct,
    refresh,
    profiles,
    now: system.now,
    logger: new Logger({ serviceName: "citadel-api" }),
  });
  return { api, scheduler, refresh };
}
