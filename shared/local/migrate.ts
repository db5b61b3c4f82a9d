import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { loadConfig } from "../adapters/config.js";
import { dynamoDbClient } from "../adapters/dynamodb/client.js";
import { migrateHosts } from "../adapters/dynamodb/migrate.js";

/**
 * `npm run migrate`: moves the placements, events, engine and health an earlier version kept inside host
 * items to their tables (see shared/adapters/dynamodb/migrate.ts). The tables are named as the functions
 * name them (CITADEL_HOSTS_TABLE, CITADEL_PLACEMENTS_TABLE, CITADEL_OBSERVATIONS_TABLE,
 * CITADEL_EVENTS_TABLE: the stack's outputs);
 * CITADEL_DYNAMODB_ENDPOINT points it at DynamoDB Local. AWS credentials and region as the AWS CLI's.
 */
const config = loadConfig(process.env);
const client = dynamoDbClient(config.dynamodbEndpoint);
const report = await migrateHosts(
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
  config.tables,
);
process.stdout.write(
  `${report.hosts} host(s) read: ${report.moved} placement(s) moved to ${config.tables.placements}, ${report.released} released meanwhile, ${report.events} event(s) moved to ${config.tables.events}, ${report.observations} observation(s) moved to ${config.tables.observations}, ${report.rewritten} entry(ies) rewritten\n`,
);
client.destroy();
