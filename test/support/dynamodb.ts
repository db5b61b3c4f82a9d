import { inject } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import type { TableNames } from "../../shared/adapters/dynamodb/tables.js";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../../shared/local/stack.js";
import type { Between, Racing } from "./racing.js";
import { freshTables } from "./tables.js";

/** Timeouts for tests about what the registry answers, on loaded CI machines (connect and answer, 15 s). */
export const PATIENT = { connectMs: 15_000, answerMs: 15_000 };

/**
 * A DynamoDB registry on tables of its own, on the run's DynamoDB Local. Its calls may take 15 s (PATIENT): the
 * tests that use it are about what the registry answers, and CI machines are loaded (the timeouts'
 * own behaviour is tested with injected failures).
 */
export async function freshDynamoDbRegistry(): Promise<DynamoDbRegistry> {
  const endpoint = inject("dynamodbEndpoint");
  return new DynamoDbRegistry(dynamoDbClient(endpoint, PATIENT), await freshTables(endpoint));
}

/** The local stack `npm start` runs, on fresh tables of the run's DynamoDB Local (2 s views, 5 attempts; `extra` over them). */
export async function localStackOnFreshTables(extra: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  const endpoint = inject("dynamodbEndpoint");
  return startLocalStack({
    store: "dynamodb",
    database: { endpoint, tables: await freshTables(endpoint) },
    port: 0,
    snapshotMaxAgeMs: 2000,
    maxAttempts: 5,
    ...extra,
  });
}

/**
 * Two DynamoDB registries on the same tables, as two Lambdas would be (see Racing): the first's first
 * write (a plain commit, a release or a host change's UpdateItem, a removal's transaction) waits, once,
 * for `between` to run on the other, so the other lands between its read and its write.
 */
const WRITES = new Set(["UpdateItemCommand", "TransactWriteItemsCommand", "DeleteItemCommand"]);

export async function racingDynamoDbRegistry(between: Between): Promise<Racing & { tables: TableNames }> {
  const endpoint = inject("dynamodbEndpoint");
  const tables = await freshTables(endpoint);
  const client = dynamoDbClient(endpoint, PATIENT);
  const other = new DynamoDbRegistry(dynamoDbClient(endpoint, PATIENT), tables);
  let pending = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (pending && WRITES.has(context.commandName ?? "")) {
        pending = false;
        await between(other);
      }
      return next(args);
    },
    { step: "initialize" },
  );
  return { registry: new DynamoDbRegistry(client, tables), other, tables };
}
