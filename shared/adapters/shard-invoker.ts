import type { Shard } from "../core/fan-out.js";
import type { RefreshReport } from "../core/refresh.js";
import type { InvokeLambda } from "./lambda-invoke.js";

/**
 * Runs shards on the refresh worker Lambda. `wait` (a caller waits for the round: `POST /v1/hosts/refresh`)
 * invokes each synchronously and returns its report, a failure thrown; otherwise each is an asynchronous
 * invocation, answered once Lambda has queued it: the worker reports in its logs and metrics, and Lambda
 * sends a shard whose worker failed to the worker's dead-letter queue (no retry: the next round comes
 * first). An asynchronous invocation takes at most 256 KB of event: about 350 hosts as a shard carries them.
 */
export function lambdaShardRunner(
  lambda: InvokeLambda,
  functionName: string | undefined,
  wait: boolean,
): (shard: Shard) => Promise<RefreshReport | undefined> {
  return async (shard) => {
    if (!functionName) throw new Error("CITADEL_REFRESH_WORKER_FUNCTION is not set");
    const payload = new TextEncoder().encode(JSON.stringify(shard));
    const response = await lambda(functionName, payload, wait ? "RequestResponse" : "Event");
    if (!response)
      throw new Error(`shard ${shard.index} not started: the workers are at their concurrency limit`);
    if (!wait) return undefined;
    const answer = new TextDecoder().decode(response.Payload);
    if (response.FunctionError) throw new Error(`shard ${shard.index} failed: ${answer}`);
    return JSON.parse(answer) as RefreshReport;
  };
}

/** The shard a worker is invoked with; throws when the event is none (the worker is invoked by the refresh alone). */
export function shardOf(event: unknown): Shard {
  const shard = event as Partial<Shard> | null | undefined;
  if (
    typeof shard?.round !== "string" ||
    !Number.isInteger(shard.index) ||
    !Number.isInteger(shard.of) ||
    !Array.isArray(shard.hosts) ||
    !Number.isFinite(shard.deadline)
  ) {
    throw new Error("not a refresh shard: {round, index, of, hosts, deadline} expected");
  }
  return shard as Shard;
}
