import { type Allowlist, PRIVATE_RANGES, parseAllowlist } from "../core/address.js";
import type { FanOutSettings } from "../core/fan-out.js";
import type { RefreshSettings } from "../core/observe.js";
import { parseSchedulerTypes, type SchedulerType, schedulerTypes } from "../core/schedulers.js";
import type { TableNames } from "./dynamodb/tables.js";

/** Everything the Lambdas read from their environment, read once per container. */
export interface Config {
  tables: TableNames;
  /** DynamoDB Local's URL when running locally; unset in AWS. */
  dynamodbEndpoint: string | undefined;
  /** Scheduler type → Lambda function name, for the router (set by the CDK stack). */
  schedulerFunctions: Record<string, string>;
  /** The one type a scheduler Lambda serves. */
  schedulerType: string | undefined;
  /** The scheduler types: the built-in ones, then those of `CITADEL_SCHEDULER_TYPES` (set by the stack). */
  schedulers: readonly SchedulerType[];
  /** How old a scheduler's host snapshot may be before it is read again. */
  snapshotMaxAgeMs: number;
  /** Commit attempts per placement before a 503. */
  maxAttempts: number;
  /** How the capacity refresh judges hosts; `timeoutMs` also bounds every call to a Docker engine. */
  refresh: RefreshSettings;
  /** The capacity-refresh Lambda, which the router invokes for `POST /v1/hosts/refresh` (set by the CDK stack). */
  refreshFunction: string | undefined;
  /** How a refresh round splits the hosts into shards, one worker each. */
  fanOut: FanOutSettings;
  /** The refresh worker Lambda, which the refresh invokes once per shard (set by the CDK stack). */
  refreshWorkerFunction: string | undefined;
  /** Where Docker hosts may be (`CITADEL_HOST_CIDRS`): registration and every connection check it. */
  hostAllowlist: Allowlist;
  /**
   * Where no Lambda timeout bounds them (locally), how long one scheduler request and one refresh round
   * may take: the deadline of their calls to Docker engines. In AWS the Lambda's remaining time decides.
   */
  budgetMs: number;
}

/** Reads the configuration; throws naming the variable when one is malformed. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  return {
    tables: {
      hosts: env.CITADEL_HOSTS_TABLE ?? "citadel-hosts",
      placements: env.CITADEL_PLACEMENTS_TABLE ?? "citadel-placements",
      observations: env.CITADEL_OBSERVATIONS_TABLE ?? "citadel-observations",
      events: env.CITADEL_EVENTS_TABLE ?? "citadel-events",
      requests: env.CITADEL_REQUESTS_TABLE ?? "citadel-requests",
      profiles: env.CITADEL_PROFILES_TABLE ?? "citadel-profiles",
      addresses: env.CITADEL_ADDRESSES_TABLE ?? "citadel-addresses",
    },
    dynamodbEndpoint: env.CITADEL_DYNAMODB_ENDPOINT || undefined,
    schedulerFunctions: parseFunctionMap(env.CITADEL_SCHEDULER_FUNCTIONS),
    schedulerType: env.CITADEL_SCHEDULER_TYPE || undefined,
    schedulers: schedulerTypes(
      env.CITADEL_SCHEDULER_TYPES
        ? parseSchedulerTypes(env.CITADEL_SCHEDULER_TYPES, "CITADEL_SCHEDULER_TYPES")
        : [],
    ),
    snapshotMaxAgeMs: positiveInteger(env, "CITADEL_SNAPSHOT_MAX_AGE_MS", 500),
    maxAttempts: positiveInteger(env, "CITADEL_MAX_ATTEMPTS", 5),
    refresh: {
      downAfter: Math.max(1, positiveInteger(env, "CITADEL_DOWN_AFTER_PROBES", 3)),
      graceMs: positiveInteger(env, "CITADEL_GRACE_SECONDS", 300) * 1000,
      timeoutMs: Math.max(1, positiveInteger(env, "CITADEL_DOCKER_TIMEOUT_MS", 20_000)),
      concurrency: Math.max(1, positiveInteger(env, "CITADEL_REFRESH_CONCURRENCY", 16)),
    },
    refreshFunction: env.CITADEL_REFRESH_FUNCTION || undefined,
    fanOut: { workers: Math.max(1, positiveInteger(env, "CITADEL_REFRESH_WORKERS", 100)) },
    refreshWorkerFunction: env.CITADEL_REFRESH_WORKER_FUNCTION || undefined,
    hostAllowlist: readHostAllowlist(env, PRIVATE_RANGES),
    budgetMs: Math.max(1, positiveInteger(env, "CITADEL_BUDGET_MS", 25_000)),
  };
}

/** The CIDRs of `CITADEL_HOST_CIDRS` (comma-separated), or `fallback` when it is unset or empty. */
export function readHostAllowlist(env: NodeJS.ProcessEnv, fallback: readonly string[]): Allowlist {
  const text = env.CITADEL_HOST_CIDRS || fallback.join(",");
  const allowlist = parseAllowlist(text);
  if (typeof allowlist === "string") throw new Error(`CITADEL_HOST_CIDRS: ${allowlist}, got "${text}"`);
  return allowlist;
}

/** An integer ≥ 0 from the environment, or the default when unset. */
export function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number ≥ 0, got "${text}"`);
  return value;
}

function parseFunctionMap(text: string | undefined): Record<string, string> {
  if (!text) return {};
  const map: unknown = JSON.parse(text);
  if (
    typeof map !== "object" ||
    map === null ||
    Object.values(map).some((name) => typeof name !== "string")
  ) {
    throw new Error("CITADEL_SCHEDULER_FUNCTIONS must be a JSON object of type → function name");
  }
  return map as Record<string, string>;
}
