import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../shared/local/dynamodb-local.js";

/** The variable through which `npm run mutate` (test/support/mutate.ts) names its DynamoDB Local. */
export const MUTATION_DYNAMODB = "CITADEL_MUTATION_DYNAMODB";

/**
 * The global setup of `npm run mutate` (vitest.mutate.config.ts): DynamoDB Local only, the one the run
 * shares when it names one, else one of its own. Stryker runs one vitest per worker, each with this
 * setup; the Docker tests, which need the machine's one set of engines, are not part of the run.
 */
export default async function setup(project: TestProject) {
  project.provide("dockerEngines", []);
  const shared = process.env[MUTATION_DYNAMODB];
  if (shared) {
    project.provide("dynamodbEndpoint", shared);
    return;
  }
  const database = await startDynamoDbLocal();
  project.provide("dynamodbEndpoint", database.endpoint);
  return () => database.stop();
}
