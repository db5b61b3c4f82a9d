import { freshDynamoDbRegistry } from "../support/dynamodb.js";
import { registryContract } from "./registry-contract.js";

registryContract("DynamoDB (DynamoDB Local)", freshDynamoDbRegistry);
