import { Logger } from "@aws-lambda-powertools/logger";
import { loadConfig } from "../../shared/adapters/config.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbProfileStore } from "../../shared/adapters/dynamodb/profiles.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import { LambdaInvoker } from "../../shared/adapters/invoker.js";
import { lambdaInvoke } from "../../shared/adapters/lambda-invoke.js";
import { lambdaRefresher } from "../../shared/adapters/refresh-invoker.js";
import { system } from "../../shared/adapters/system.js";
import { createApi } from "./router.js";

const config = loadConfig(process.env);
const dynamodb = dynamoDbClient(config.dynamodbEndpoint);
const lambda = lambdaInvoke({ maxAttempts: 1 });

/** The router Lambda behind the HTTP API. */
export const handler = createApi({
  registry: new DynamoDbRegistry(dynamodb, config.tables),
  hostAllowlist: config.hostAllowlist,
  schedulers: config.schedulers,
  invoker: new LambdaInvoker(lambda, config.schedulerFunctions),
  refresh: lambdaRefresher(lambda, config.refreshFunction),
  profiles: new DynamoDbProfileStore(dynamodb, config.tables.profiles),
  now: system.now,
  logger: new Logger({ serviceName: "citadel-api" }),
});
