import { type DynamoDBClient, TransactionCanceledException } from "@aws-sdk/client-dynamodb";

/** How often each fault strikes a write (0 to 1). */
export interface FaultRates {
  /** ThrottlingException before the write is sent: it did not happen. */
  throttle: number;
  /** TimeoutError after the write succeeded: the client cannot know that it did. */
  timeoutAfterWrite: number;
  /** A transaction cancelled with TransactionConflict (DynamoDB Local never produces one). */
  transactionConflict: number;
  /** A write sent up to 25 ms late, as over a slow network: other writers land in the gap. */
  lateWrite: number;
}

export const NO_FAULTS: FaultRates = {
  throttle: 0,
  timeoutAfterWrite: 0,
  transactionConflict: 0,
  lateWrite: 0,
};

export type FaultCounts = Record<keyof FaultRates, number>;

const WRITES = new Set([
  "UpdateItemCommand",
  "PutItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
]);

/**
 * Injects faults into a DynamoDB client's writes as an SDK middleware, outside the SDK's own retries,
 * so each injected fault reaches Citadel's code. Returns live counts of what was injected.
 */
export function injectFaults(client: DynamoDBClient, rates: FaultRates, random: () => number): FaultCounts {
  const counts: FaultCounts = { throttle: 0, timeoutAfterWrite: 0, transactionConflict: 0, lateWrite: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      if (!WRITES.has(command)) return next(args);
      if (command === "TransactWriteItemsCommand" && random() < rates.transactionConflict) {
        counts.transactionConflict++;
        throw new TransactionCanceledException({
          message: "Transaction cancelled (injected)",
          $metadata: {},
          CancellationReasons: [{ Code: "None" }, { Code: "TransactionConflict" }],
        });
      }
      if (random() < rates.lateWrite) {
        counts.lateWrite++;
        await new Promise((resolve) => setTimeout(resolve, 5 + random() * 20));
      }
      if (random() < rates.throttle) {
        counts.throttle++;
        throw Object.assign(new Error("Rate of requests exceeds the allowed throughput (injected)"), {
          name: "ThrottlingException",
          $fault: "client",
          $metadata: {},
        });
      }
      const result = await next(args);
      if (random() < rates.timeoutAfterWrite) {
        counts.timeoutAfterWrite++;
        throw Object.assign(new Error("the request timed out after the write landed (injected)"), {
          name: "TimeoutError",
        });
      }
      return result;
    },
    { step: "initialize", name: "citadelFaultInjection" },
  );
  return counts;
}
