import { Logger } from "@aws-lambda-powertools/logger";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { loadConfig } from "../../shared/adapters/config.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb-client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb-registry.js";
import { LambdaInvoker } from "../../shared/adapters/invoker.js";
import { system } from "../../shared/adapters/system.js";
import { createApi } from "./router.js";

const config = loadConfig(process.env);

/** The router Lambda behind the HTTP API. */
export const handler = createApi({
  registry: new DynamoDbRegistry(dynamoDbClient(config.dynamodbEndpoint), config.tables),
  invoker: new LambdaInvoker(new LambdaClient({ maxAttempts: 1 }), config.schedulerFunctions),
  now: system.now,
  logger: new Logger({ serviceName: "citadel-api" }),
});
