import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach } from "vitest";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";

/** The `$metadata` every SDK exception carries. */
export const metadata = { $metadata: {} };

/**
 * A DynamoDB registry on a mocked document client, for the answers DynamoDB Local cannot give on demand.
 * Call it at a test file's top level: the mock is reset before each test, and given back after the
 * file (it patches the client class itself, which the worker's other test files share).
 */
export function mockedDynamoDb() {
  const dynamodb = mockClient(DynamoDBDocumentClient);
  afterAll(() => dynamodb.restore());
  beforeEach(() => {
    dynamodb.reset();
    // A host's events (a Query) and a removed host's leftovers: none, unless a test says otherwise.
    dynamodb.on(QueryCommand).resolves({ Items: [] });
  });
  const registry = new DynamoDbRegistry(new DynamoDBClient({ region: "us-east-1" }), {
    hosts: "hosts",
    requests: "requests",
    profiles: "profiles",
    addresses: "addresses",
    placements: "placements",
    observations: "observations",
    events: "events",
  });
  return { dynamodb, registry };
}
