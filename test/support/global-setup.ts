import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../shared/local/dynamodb-local.js";
import { dockerMissing, loadTestImage, startFreshEngines, type TestEngine } from "./docker-engines.js";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    /** The last byte of each test Docker engine's 127.0.0.n; empty when Docker is missing (not in CI). */
    dockerEngines: number[];
  }
}

/** How many real Docker engines the run starts; the last one lacks the test image. */
const ENGINES = 3;

/**
 * One DynamoDB Local and three Docker engines for the whole run, started before any test file so that
 * their start does not load the machine under timing-sensitive tests. Each test file makes tables of
 * its own; only test/docker uses the engines. In CI, a machine without Docker fails here.
 */
export default async function setup(project: TestProject) {
  const missing = dockerMissing();
  if (missing && process.env.CI) throw new Error(`the tests need Docker engines in CI: ${missing}`);
  let engines: TestEngine[] = [];
  const [database] = await Promise.all([
    startDynamoDbLocal(),
    missing
      ? undefined
      : startFreshEngines(ENGINES).then(async (started) => {
          engines = started;
          await Promise.all(started.slice(0, -1).map(loadTestImage));
        }),
  ]);
  project.provide("dynamodbEndpoint", database.endpoint);
  project.provide(
    "dockerEngines",
    engines.map((engine) => Number(engine.ip.split(".")[3])),
  );
  return async () => {
    await Promise.all([database.stop(), ...engines.map((engine) => engine.stop())]);
  };
}
