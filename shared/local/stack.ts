import type { Server } from "node:http";
import { dynamoDbClient } from "../adapters/dynamodb-client.js";
import { DynamoDbRegistry, type TableNames } from "../adapters/dynamodb-registry.js";
import { MemoryRegistry } from "../adapters/memory-registry.js";
import type { Registry } from "../core/registry.js";
import { createTables, type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb-local.js";
import { serveHandler } from "./http-server.js";
import { inProcessApi } from "./in-process.js";

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
  const { api } = inProcessApi(registry, options);
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
