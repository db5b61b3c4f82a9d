import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { localStackOnFreshTables } from "./dynamodb.js";

/** The local API on each store, for `describe.each`: in memory, and on fresh DynamoDB Local tables. */
export const BOTH_STORES: [string, () => Promise<LocalStack>][] = [
  ["memory", () => startLocalStack({ store: "memory", port: 0, snapshotMaxAgeMs: 2000, maxAttempts: 8 })],
  ["dynamodb", localStackOnFreshTables],
];
