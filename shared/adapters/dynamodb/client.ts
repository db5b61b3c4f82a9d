import { Agent as HttpAgent } from "node:http";
import { Agent } from "node:https";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/**
 * A DynamoDB client with bounded timeouts and keep-alive: a commit that hangs must fail fast enough
 * to be retried inside the caller's own deadline. `endpoint` points at DynamoDB Local; tests of
 * correctness on a loaded machine may allow longer timeouts than the defaults (connect 1 s, answer 3 s).
 */
export function dynamoDbClient(
  endpoint?: string,
  timeouts: { connectMs: number; answerMs: number } = { connectMs: 1000, answerMs: 3000 },
): DynamoDBClient {
  return new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: timeouts.connectMs,
      requestTimeout: timeouts.answerMs,
      // Without it the handler only logs a warning when the answer is late, and the call waits on.
      throwOnRequestTimeout: true,
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
