import { inject } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb-client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb-registry.js";
import { freshTables } from "./tables.js";

/** A DynamoDB registry on tables of its own, on the run's DynamoDB Local. */
export async function freshDynamoDbRegistry(): Promise<DynamoDbRegistry> {
  const endpoint = inject("dynamodbEndpoint");
  return new DynamoDbRegistry(dynamoDbClient(endpoint), await freshTables(endpoint));
}
