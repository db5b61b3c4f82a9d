import type { Server } from "node:http";
import { dynamoDbClient } from "../adapters/dynamodb/client.js";
import { DynamoDbProfileStore } from "../adapters/dynamodb/profiles.js";
import { DynamoDbRegistry } from "../adapters/dynamodb/registry.js";
import type { TableNames } from "../adapters/dynamodb/tables.js";
import { MemoryProfileStore } from "../adapters/memory-profiles.js";
import { MemoryRegistry } from "../adapters/memory-registry.js";
import type { Refresher } from "../adapters/refresh-invoker.js";
import type { Allowlist } from "../core/address.js";
import type { FanOutSettings } from "../core/fan-out.js";
import type { RefreshSettings } from "../core/observe.js";
import type { ProfileStore } from "../core/profile.js";
import type { Registry } from "../core/registry.js";
import type { SchedulerType } from "../core/schedulers.js";
import type { ConsoleFiles } from "./console-files.js";
import { createTables, type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb-local.js";
import { serveHandler } from "./http-server.js";
import { inProcessApi } from "./in-process.js";

export interface LocalStackOptions {
  /** `dynamodb` starts DynamoDB Local (unless `database` names one); `memory` keeps hosts in this process. */
  store: "dynamodb" | "memory";
  /** A DynamoDB Local already running, and the tables on it to use (tests share one per run). */
  database?: { endpoint: string; tables: TableNames };
  /** 0 picks a free port. */
  port: number;
  snapshotMaxAgeMs: number;
  maxAttempts: number;
  /** Refresh the hosts from their Docker engines every this many seconds; 0 or absent: only on request. */
  refreshSeconds?: number;
  /** How the refresh judges hosts (loadConfig's defaults otherwise). */
  refresh?: RefreshSettings;
  /** How a refresh round fans out into shards, run in this process (loadConfig's defaults otherwise). */
  fanOut?: FanOutSettings;
  /** Where Docker hosts may be (the private ranges and loopback otherwise). */
  hostAllowlist?: Allowlist;
  /** How long one scheduler request and one refresh round may take (loadConfig's default otherwise). */
  budgetMs?: number;
  /** The scheduler types (CITADEL_SCHEDULER_TYPES's); the built-in ones otherwise. */
  schedulers?: readonly SchedulerType[];
  /** The web console (`buildConsole`), served at `/` beside the API; none otherwise. */
  console?: ConsoleFiles;
}

export interface LocalStack {
  url: string;
  registry: Registry;
  /** Runs a capacity refresh now, as `POST /v1/hosts/refresh` does. */
  refresh: Refresher;
  stop(): Promise<void>;
}

const TABLES: TableNames = {
  hosts: "citadel-hosts",
  placements: "citadel-placements",
  observations: "citadel-observations",
  events: "citadel-events",
  requests: "citadel-requests",
  profiles: "citadel-profiles",
  addresses: "citadel-addresses",
};

/**
 * The API on this machine, wired as in AWS: real HTTP → API Gateway events → the router handler →
 * the invoker → the scheduler handler → the registry, with DynamoDB Local as the arbiter.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  let database: DynamoDbLocal | undefined;
  let registry: Registry;
  let profiles: ProfileStore;
  if (options.store === "dynamodb") {
    let given = options.database;
    if (!given) {
      database = await startDynamoDbLocal();
      await createTables(database.endpoint, TABLES);
      given = { endpoint: database.endpoint, tables: TABLES };
    }
    const client = dynamoDbClient(given.endpoint);
    registry = new DynamoDbRegistry(client, given.tables);
    profiles = new DynamoDbProfileStore(client, given.tables.profiles);
  } else {
    registry = new MemoryRegistry();
    profiles = new MemoryProfileStore();
  }
  const { api, refresh } = inProcessApi(registry, {
    ...options,
    profiles,
  });
  let server: Server;
  try {
    server = await serveHandler(api, options.port, { ...(options.console && { console: options.console }) });
  } catch (error) {
    await database?.stop();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const loop = options.refreshSeconds ? refreshEvery(options.refreshSeconds, refresh) : undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    registry,
    refresh,
    stop: async () => {
      await loop?.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await database?.stop();
    },
  };
}

/** Runs `refresh` every `seconds` (one at a time, as the schedule in AWS); a failed round is logged. */
function refreshEvery(seconds: number, refresh: Refresher) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const round = () => {
    running = refresh()
      .catch((error: unknown) => process.stderr.write(`refresh failed: ${String(error)}\n`))
      .finally(() => {
        if (!stopped) timer = setTimeout(round, seconds * 1000);
      });
  };
  round();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
