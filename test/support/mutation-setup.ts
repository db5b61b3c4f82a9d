import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../shared/local/dynamodb-local.js";

/**
 * The global setup of `npm run mutate` (vitest.mutate.config.ts): DynamoDB Local only. Stryker runs one
 * vitest per worker, each with this setup; the Docker tests, which need the machine's one set of
 * engines, are not part of the mutation run.
 */
export default async function setup(project: TestProject) {
  const database = await startDynamoDbLocal();
  project.provide("dynamodbEndpoint", database.endpoint);
  project.provide("dockerEngines", []);
  return () => database.stop();
}
