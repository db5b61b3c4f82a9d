import { inject } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb-client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb-registry.js";
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
