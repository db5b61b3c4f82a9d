import type { Engines } from "./engine.js";
import {
  type PlaceDependencies,
  type PlaceInput,
  type PlaceOutcome,
  type PlaceStats,
  place,
} from "./place.js";
import type { Registry } from "./registry.js";
import type { SchedulerType } from "./schedulers.js";

/** What run mode needs besides placing: releasing a reservation whose container did not start, and engines. */
export interface RunDependencies extends PlaceDependencies {
  registry: PlaceDependencies["registry"] & Pick<Registry, "release">;
  engines: Engines;
}

/** Hosts tried in run mode before giving up: a failed start releases the reservation and tries another. */
export const RUN_HOSTS = 3;

/** A host where the container did not start, and why. */
export interface FailedStart {
  host: string;
  error: string;
}

export type RunOutcome =
  | PlaceOutcome
  | { kind: "not-started"; answer: Record<string, unknown>; failures: FailedStart[]; stats: PlaceStats };

/**
 * Run mode: places the request, then creates and starts its container on the chosen host. When that
 * fails the reservation is released and the request placed again away from the hosts that failed, at
 * most RUN_HOSTS times; nothing stays reserved for a container that does not run.
 */
export async function placeAndRun(
  scheduler: SchedulerType,
  input: PlaceInput,
  deps: RunDependencies,
): Promise<RunOutcome> {
  const failures: FailedStart[] = [];
  const avoidHosts = new Set<string>();
  let outcome: PlaceOutcome | undefined;
  while (failures.length < RUN_HOSTS) {
    outcome = await place(scheduler, { ...input, request: { ...input.request, avoidHosts } }, deps);
    if (outcome.kind !== "placed" || !outcome.placement || !outcome.host) {
      return failures.length === 0
        ? outcome
        : notStarted(failures, outcome.stats, "no other host can take it");
    }
    const { placement, host } = outcome;
    try {
      const containerId = await deps.engines.run(host, {
        placementId: placement.id,
        image: placement.image,
        command: input.request.command,
        cpuMilli: placement.cpuMilli,
        memory: placement.memory,
        labels: { ...input.request.labels, "citadel.scheduler": scheduler.type },
      });
      return { ...outcome, answer: { ...outcome.answer, container_id: containerId } };
    } catch (error) {
      await deps.registry.release(placement.id);
      failures.push({ host: host.id, error: error instanceof Error ? error.message : String(error) });
      avoidHosts.add(host.id);
    }
  }
  return notStarted(
    failures,
    outcome?.stats ?? { attempts: 0, conflicts: 0, busy: 0 },
    `it tried ${RUN_HOSTS}`,
  );
}

function notStarted(failures: FailedStart[], stats: PlaceStats, why: string): RunOutcome {
  return {
    kind: "not-started",
    answer: {
      error: "not_started",
      message: `the container did not start on the ${failures.length} host(s) tried and ${why}; nothing is reserved`,
      failures,
    },
    failures,
    stats,
  };
}
