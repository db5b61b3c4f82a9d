import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { dynamoDbClient } from "../../shared/adapters/dynamodb-client.js";
import { DynamoDbRegistry, type TableNames } from "../../shared/adapters/dynamodb-registry.js";
import { createTables } from "../../shared/local/dynamodb-local.js";

/** A DynamoDB registry on tables of its own, on the run's DynamoDB Local. */
export async function freshDynamoDbRegistry(): Promise<DynamoDbRegistry> {
  const endpoint = inject("dynamodbEndpoint");
  const suffix = randomUUID().slice(0, 8);
  const tables: TableNames = { hosts: `hosts-${suffix}`, requests: `requests-${suffix}` };
  await createTables(endpoint, tables);
  return new DynamoDbRegistry(dynamoDbClient(endpoint), tables);
}
