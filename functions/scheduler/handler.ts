import { Logger } from "@aws-lambda-powertools/logger";
import { loadConfig } from "../../shared/adapters/config.js";
import { dockerEngines } from "../../shared/adapters/docker-engines.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb-client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb-registry.js";
import { system } from "../../shared/adapters/system.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
import { createScheduler } from "./scheduler.js";

const config = loadConfig(process.env);
const registry = new DynamoDbRegistry(dynamoDbClient(config.dynamodbEndpoint), config.tables);

/** One code, one Lambda per scheduler type; the snapshot lives as long as the warm container. */
export const handler = createScheduler({
  registry,
  snapshot: new HostSnapshot(registry, config.snapshotMaxAgeMs),
  maxAttempts: config.maxAttempts,
  ...system,
  servesType: config.schedulerType,
  logger: new Logger({ serviceName: "citadel-scheduler" }),
  engines: dockerEngines(process.env, config),
});
