import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../shared/local/dynamodb-local.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

/** One DynamoDB Local for the whole run; each test file makes tables of its own on it. */
export default async function setup(project: TestProject) {
  const database = await startDynamoDbLocal();
  project.provide("dynamodbEndpoint", database.endpoint);
  return () => database.stop();
}
