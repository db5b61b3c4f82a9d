import { inject } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbProfileStore } from "../../shared/adapters/dynamodb/profiles.js";
import type { ProfileStore } from "../../shared/core/profile.js";
import { buildConsole } from "../../shared/local/console-files.js";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { freshTables } from "../support/tables.js";

/**
 * The stack `npm start` runs, console included, on fresh tables of the run's DynamoDB Local; and the
 * image profiles it reads (which only a refresh of real engines fills: the tests write samples there).
 */
export async function consoleStack(): Promise<{ stack: LocalStack; profiles: ProfileStore }> {
  const endpoint = inject("dynamodbEndpoint");
  const tables = await freshTables(endpoint);
  const stack = await startLocalStack({
    store: "dynamodb",
    database: { endpoint, tables },
    port: 0,
    snapshotMaxAgeMs: 2000,
    maxAttempts: 5,
    console: await buildConsole(),
  });
  return { stack, profiles: new DynamoDbProfileStore(dynamoDbClient(endpoint), tables.profiles) };
}

/** Calls the stack's API as a script would, and answers the status and the JSON body. */
export async function api(
  stack: LocalStack,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    ...(body !== undefined && {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}
