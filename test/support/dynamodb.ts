import { inject } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb-client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb-registry.js";
import { freshTables } from "./tables.js";

/**
 * A DynamoDB registry on tables of its own, on the run's DynamoDB Local. Its calls may take 15 s: the
 * tests that use it are about what the registry answers, and CI machines are loaded (the timeouts'
 * own behaviour is tested with injected failures).
 */
export async function freshDynamoDbRegistry(): Promise<DynamoDbRegistry> {
  const endpoint = inject("dynamodbEndpoint");
  return new DynamoDbRegistry(dynamoDbClient(endpoint, 15_000), await freshTables(endpoint));
}
