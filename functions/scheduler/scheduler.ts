import { createHash } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { ScheduleEvent, ScheduleResult } from "../../shared/adapters/invoker.js";
import { type PlaceInput, place } from "../../shared/core/place.js";
import { RegistryUnavailableError } from "../../shared/core/registry.js";
import { parseContainerRequest, sentContainer } from "../../shared/core/request.js";
import { placeAndRun, type RunDependencies, type RunOutcome } from "../../shared/core/run.js";
import { DEFAULT_SCHEDULER_TYPES, type SchedulerType, schedulerType } from "../../shared/core/schedulers.js";
import { callerDigest } from "../api/caller.js";

export interface SchedulerDependencies extends RunDependencies {
  /** In AWS each scheduler Lambda serves one type; locally one handler serves them all. */
  servesType: string | undefined;
  /** The scheduler types configured (see schedulerTypes): what a request's `type` may be; the built-in ones when absent. */
  schedulers?: readonly SchedulerType[];
  logger: Logger;
  /** Told of every decision (the Lambda turns them into metrics). */
  observe?: (outcome: RunOutcome) => void;
}

/**
 * The scheduler Lambda: validate, run the placement loop, answer in HTTP terms. `remainingMs` is the
 * invocation's time left (run mode's engine calls end by then); unbounded when absent.
 */
export function createScheduler(deps: SchedulerDependencies) {
  const schedulers = deps.schedulers ?? DEFAULT_SCHEDULER_TYPES;
  const types = schedulers.map((scheduler) => scheduler.type);
  return async (event: ScheduleEvent, remainingMs?: () => number): Promise<ScheduleResult> => {
    const parsed = parseContainerRequest(event.container, types);
    if (!parsed.ok) {
      return { statusCode: 400, headers: {}, body: { error: "invalid_request", details: parsed.issues } };
    }
    const scheduler = schedulerType(parsed.value.type, schedulers);
    if (!scheduler || (deps.servesType && deps.servesType !== scheduler.type)) {
      throw new Error(`this scheduler serves ${deps.servesType}, not ${parsed.value.type}`);
    }
    const input: PlaceInput = {
      request: parsed.value,
      container: sentContainer(event.container, parsed.value),
      fingerprint: createHash("sha256").update(JSON.stringify(event.container)).digest("base64url"),
      deliveryId: event.deliveryId,
      owner: callerDigest(event.caller),
      ...(event.idempotencyKey && { idempotencyKey: callersKey(event.caller, event.idempotencyKey) }),
    };
    // The store's own words on a refused write go to the operator's log; the caller gets a fixed phrase.
    const placing: SchedulerDependencies = {
      ...deps,
      onRefused: ({ hostId, detail }) =>
        deps.logger.error("commit refused by the registry", {
          correlationId: event.correlationId,
          hostId,
          detail,
        }),
    };
    let outcome: RunOutcome;
    try {
      outcome = parsed.value.run
        ? await placeAndRun(scheduler, input, placing, remainingMs)
        : await place(scheduler, input, placing);
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError)) throw error;
      deps.logger.warn("registry unavailable", { correlationId: event.correlationId, reason: error.reason });
      return {
        statusCode: 503,
        headers: { "retry-after": "1" },
        body: { error: "unavailable", message: error.message },
      };
    }
    deps.observe?.(outcome);
    deps.logger.info("placement decided", {
      correlationId: event.correlationId,
      outcome: outcome.kind,
      ...outcome.stats,
    });
    return toResult(outcome);
  };
}

/**
 * The key under which a caller's Idempotency-Key is recorded: a digest of the caller (bounded, whatever
 * an identity's length), a space, and the key, which has no space in it (1-255 visible ASCII): two
 * callers' keys never meet, and the caller's own key stays readable in the record.
 */
export function callersKey(caller: string, key: string): string {
  return `${callerDigest(caller)} ${key}`;
}

const STATUS = {
  placed: 201,
  unschedulable: 409,
  contention: 503,
  "not-started": 409,
  "out-of-time": 503,
} as const;

function toResult(outcome: RunOutcome): ScheduleResult {
  const headers: Record<string, string> = {
    "x-citadel-attempts": String(outcome.stats.attempts),
    "x-citadel-conflicts": String(outcome.stats.conflicts),
  };
  if (outcome.kind === "idempotency-key-reused") {
    return {
      statusCode: 409,
      headers,
      body: {
        error: "idempotency_key_reused",
        message: "this Idempotency-Key was used with a different request body in the last 24 hours",
      },
    };
  }
  if ("replayed" in outcome && outcome.replayed) headers["idempotent-replayed"] = "true";
  if (outcome.kind === "contention" || outcome.kind === "out-of-time") headers["retry-after"] = "1";
  return { statusCode: STATUS[outcome.kind], headers, body: outcome.answer };
}
