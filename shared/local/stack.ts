import type { Server } from "node:http";
import { Logger } from "@aws-lambda-powertools/logger";
import { createApi } from "../../functions/api/router.js";
import { createScheduler } from "../../functions/scheduler/scheduler.js";
import { dynamoDbClient } from "../adapters/dynamodb-client.js";
import { DynamoDbRegistry, type TableNames } from "../adapters/dynamodb-registry.js";
import { InProcessInvoker } from "../adapters/invoker.js";
import { MemoryRegistry } from "../adapters/memory-registry.js";
import { system } from "../adapters/system.js";
import type { Registry } from "../core/registry.js";
import { HostSnapshot } from "../core/snapshot.js";
import { createTables, type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb-local.js";
import { serveHandler } from "./http-server.js";

export interface LocalStackOptions {
  /** `dynamodb` starts DynamoDB Local; `memory` keeps hosts in this process. */
  store: "dynamodb" | "memory";
  /** 0 picks a free port. */
  port: number;
  snapshotMaxAgeMs: number;
  maxAttempts: number;
}

export interface LocalStack {
  url: string;
  registry: Registry;
  stop(): Promise<void>;
}

const TABLES: TableNames = { hosts: "citadel-hosts", requests: "citadel-requests" };

/**
 * The API on this machine, wired as in AWS: real HTTP → API Gateway events → the router handler →
 * the invoker → the scheduler handler → the registry, with DynamoDB Local as the arbiter.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  let database: DynamoDbLocal | undefined;
  let registry: Registry;
  if (options.store === "dynamodb") {
    database = await startDynamoDbLocal();
    await createTables(database.endpoint, TABLES);
    registry = new DynamoDbRegistry(dynamoDbClient(database.endpoint), TABLES);
  } else {
    registry = new MemoryRegistry();
  }
  const scheduler = createScheduler({
    registry,
    snapshot: new HostSnapshot(registry, options.snapshotMaxAgeMs),
    maxAttempts: options.maxAttempts,
    ...system,
    servesType: undefined,
    logger: new Logger({ serviceName: "citadel-scheduler" }),
  });
  const api = createApi({
    registry,
    invoker: new InProcessInvoker(scheduler),
    now: system.now,
    logger: new Logger({ serviceName: "citadel-api" }),
  });
  let server: Server;
  try {
    server = await serveHandler(api, options.port);
  } catch (error) {
    await database?.stop();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    registry,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await database?.stop();
    },
  };
}
