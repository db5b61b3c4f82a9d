import { Agent as HttpAgent } from "node:http";
import { Agent } from "node:https";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/**
 * A DynamoDB client with bounded timeouts and keep-alive: a commit that hangs must fail fast enough
 * to be retried inside the caller's own deadline. `endpoint` points at DynamoDB Local; tests of
 * correctness on a loaded machine may allow a longer `requestTimeoutMs` than the 3 s default.
 */
export function dynamoDbClient(endpoint?: string, requestTimeoutMs = 3000): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1000,
      requestTimeout: requestTimeoutMs,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
    }),
    ...(endpoint && {
      endpoint,
      region: process.env.AWS_REGION ?? "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    }),
  });
}
