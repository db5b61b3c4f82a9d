import { Logger } from "@aws-lambda-powertools/logger";
import { createApi } from "../../functions/api/router.js";
import { createScheduler } from "../../functions/scheduler/scheduler.js";
import { InProcessInvoker, type Invoker } from "../adapters/invoker.js";
import { system } from "../adapters/system.js";
import type { Registry } from "../core/registry.js";
import { HostSnapshot } from "../core/snapshot.js";

export interface InProcessOptions {
  snapshotMaxAgeMs: number;
  maxAttempts: number;
  /** Wraps the invoker the router calls the scheduler with (tests use it to deliver twice). */
  invoker?: (direct: Invoker) => Invoker;
}

/**
 * The router and a scheduler that serves every type, in this process, over one registry: the wiring of
 * the local server (and of tests), with the same handlers as the Lambdas.
 */
export function inProcessApi(registry: Registry, options: InProcessOptions) {
  const scheduler = createScheduler({
    registry,
    snapshot: new HostSnapshot(registry, options.snapshotMaxAgeMs),
    maxAttempts: options.maxAttempts,
    ...system,
    servesType: undefined,
    logger: new Logger({ serviceName: "citadel-scheduler" }),
  });
  const direct = new InProcessInvoker(scheduler);
  const api = createApi({
    registry,
    invoker: options.invoker ? options.invoker(direct) : direct,
    now: system.now,
    logger: new Logger({ serviceName: "citadel-api" }),
  });
  return { api, scheduler };
}
