import type { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { RegistryUnavailableError } from "../../core/registry.js";

// How DynamoDB's failures become the registry's: an outage is RegistryUnavailableError (a 503), never a 500.

const THROTTLED = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "LimitExceededException",
]);

/** Failures after which a write may or may not have landed: timeouts, dropped connections, 5xx. */
const OUTCOME_UNKNOWN = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "AbortError",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
]);

/**
 * Awaits a DynamoDB call, turning throttling, timeouts, dropped connections and 5xx answers into
 * RegistryUnavailableError. Anything else (a failed condition, bad credentials, a malformed request)
 * passes unchanged: a condition is an answer, the rest are bugs or misconfiguration.
 */
export async function guarded<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    const { name, code, $fault } = error as { name?: string; code?: string; $fault?: string };
    if (name && THROTTLED.has(name)) throw new RegistryUnavailableError(false, name);
    const unknown = [name, code].find((text) => text && OUTCOME_UNKNOWN.has(text));
    if (unknown || $fault === "server") throw new RegistryUnavailableError(true, unknown ?? name ?? "5xx");
    throw error;
  }
}

/** A transaction cancelled for another reason than a condition (a TransactionConflict): retry later. */
export function cancelled(error: TransactionCanceledException): RegistryUnavailableError {
  const codes = error.CancellationReasons?.map((reason) => reason.Code).join(",") ?? "no reasons given";
  return new RegistryUnavailableError(false, `transaction cancelled: ${codes}`);
}
