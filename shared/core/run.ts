import { MAX_DELAY_MS, withTimeout } from "./concurrency.js";
import { type ContainerSpec, type Engines, failureOf } from "./engine.js";
import { grantOfView, type grantView } from "./gpus.js";
import type { Host } from "./host.js";
import {
  type PlaceDependencies,
  type PlaceInput,
  type PlaceOutcome,
  type PlaceStats,
  place,
} from "./place.js";
import { hostOfPlacement, type Placement } from "./placement.js";
import type { PortMapping } from "./ports.js";
import { type Registry, RegistryUnavailableError } from "./registry.js";
import type { SchedulerType } from "./schedulers.js";

/** What run mode needs besides placing: releasing a reservation whose container did not start, and engines. */
export interface RunDependencies extends PlaceDependencies {
  registry: PlaceDependencies["registry"] & Pick<Registry, "release" | "getPlacement">;
  engines: Engines;
}

/** Hosts tried in run mode before giving up: a failed start releases the reservation and tries another. */
export const RUN_HOSTS = 3;

/** A host where the container did not start, and why (in Citadel's words, see EngineFailure). */
export interface FailedStart {
  host: string;
  error: string;
}

/** A placed outcome (kind "placed"): fresh, with its placement and host, or replayed, with its answer only. */
type Placed = Exclude<PlaceOutcome, { kind: "idempotency-key-reused" }>;

export type RunOutcome =
  | PlaceOutcome
  | {
      kind: "not-started" | "out-of-time";
      answer: Record<string, unknown>;
      failures: FailedStart[];
      stats: PlaceStats;
    };

/**
 * Run mode: places the request, then creates and starts its container (named after the placement) on
 * the chosen host. When that fails the reservation is released and the request placed again away from
 * the hosts that failed, at most RUN_HOSTS times. Every engine call ends by the deadline `remainingMs`
 * gives (the scheduler's time left); when it passes, the reservation is released too and the answer is
 * `out-of-time` (a 503 to retry): nothing stays reserved for a container that does not run.
 *
 * With an Idempotency-Key, host attempt n is placed under the key (n = 1) or under `<key> #n` (a space
 * no client key holds), so a retry walks the same placements: a placement replayed is either still
 * live (its container is found by name, or made, and started if it never was), or was released (if its
 * container ever started, that container is the answer; otherwise the placement is reserved again and
 * started). One key is at most one container per host tried, never a second one for the same placement.
 */
export async function placeAndRun(
  scheduler: SchedulerType,
  input: PlaceInput,
  deps: RunDependencies,
  remainingMs: () => number = () => Number.POSITIVE_INFINITY,
): Promise<RunOutcome> {
  const failures: FailedStart[] = [];
  const avoidHosts = new Set<string>();
  let stats: PlaceStats = { attempts: 0, conflicts: 0, busy: 0 };
  for (let attempt = 1; attempt <= RUN_HOSTS; attempt++) {
    if (remainingMs() <= 0) return ended("out-of-time", failures, stats);
    const key = input.idempotencyKey && attemptKey(input.idempotencyKey, attempt);
    const outcome = await place(
      scheduler,
      { ...input, request: { ...input.request, avoidHosts }, ...(key && { idempotencyKey: key }) },
      deps,
    );
    stats = outcome.stats;
    if (outcome.kind !== "placed") {
      return failures.length === 0
        ? outcome
        : ended("not-started", failures, stats, "no other host can take it");
    }
    const started = await start(scheduler, input, outcome, deps, remainingMs);
    if ("containerId" in started) {
      return { ...outcome, answer: { ...outcome.answer, container_id: started.containerId } };
    }
    failures.push({ host: started.host, error: started.error });
    if (started.outOfTime) return ended("out-of-time", failures, stats);
    avoidHosts.add(started.host);
  }
  return ended("not-started", failures, stats, `it tried ${RUN_HOSTS}`);
}

/** The key of host attempt `n`: client keys are visible ASCII without spaces, so none is ever one of these. */
function attemptKey(key: string, attempt: number): string {
  return attempt === 1 ? key : `${key} #${attempt}`;
}

type Start = { containerId: string } | { host: string; error: string; outOfTime: boolean };

/** Starts the placement's container (a replayed placement as described above); releases it on failure. */
async function start(
  scheduler: SchedulerType,
  input: PlaceInput,
  outcome: Placed,
  deps: RunDependencies,
  remainingMs: () => number,
): Promise<Start> {
  const deadline = Math.floor(Math.min(MAX_DELAY_MS, Math.max(0, remainingMs())));
  const signal = AbortSignal.timeout(deadline);
  const target =
    outcome.placement && outcome.host
      ? { placement: outcome.placement, host: outcome.host, live: true }
      : await replayed(scheduler, input, outcome, deps);
  if ("error" in target) return { ...target, outOfTime: false };
  const { placement, host } = target;
  // Whether this request holds the reservation (and so releases it when the container does not start).
  let held = target.live;
  try {
    if (!target.live) {
      const found = await withTimeout(deps.engines.find(host, placement.id, signal), deadline);
      if (found?.started) {
        // It ran: that is the answer. Still running, it is accounted for again (if it fits; otherwise the
        // refresh counts it as use Citadel did not place).
        if (found.running) await deps.registry.commit({ placement });
        return { containerId: found.id };
      }
      const committed = await deps.registry.commit({ placement });
      if (committed.kind === "busy") {
        throw new RegistryUnavailableError(committed.unknownOutcome, committed.cause);
      }
      if (committed.kind !== "committed") return { host: host.id, error: "no room", outOfTime: false };
      held = true;
      deps.snapshot.committed(placement, committed.host);
    }
    const spec: ContainerSpec = {
      placementId: placement.id,
      image: placement.image,
      command: input.request.command,
      amounts: placement.amounts,
      ports: placement.ports ?? [],
      volumes: placement.volumes ?? [],
      ...(placement.gpus && { gpus: placement.gpus }),
      labels: { ...input.request.labels, "citadel.scheduler": scheduler.type },
    };
    return { containerId: await withTimeout(deps.engines.run(host, spec, signal), deadline) };
  } catch (error) {
    if (error instanceof RegistryUnavailableError) throw error;
    if (held) await deps.registry.release(placement.id);
    return { host: host.id, error: failureOf(error), outOfTime: signal.aborted || remainingMs() <= 0 };
  }
}

/**
 * The placement a replayed answer names, from its host as it is now: live, or released (rebuilt from
 * the answer and the request, the same body by the key's fingerprint, to be reserved again).
 */
async function replayed(
  scheduler: SchedulerType,
  input: PlaceInput,
  outcome: Placed,
  deps: RunDependencies,
): Promise<{ placement: Placement; host: Host; live: boolean } | { host: string; error: string }> {
  const view = outcome.answer.placement as {
    id: string;
    created_at: string;
    ports?: PortMapping[];
    gpus?: ReturnType<typeof grantView>;
  };
  const live = await deps.registry.getPlacement(view.id);
  if (live) return { ...live, live: true };
  const hostId = hostOfPlacement(view.id) ?? "";
  const host = await deps.registry.getHost(hostId);
  if (!host) return { host: hostId, error: "host removed" };
  const placement: Placement = {
    id: view.id,
    hostId,
    image: input.request.image,
    amounts: input.request.amounts,
    // The ports the answer gave: the same again (a replay reserves what its caller was told).
    ...(view.ports && { ports: view.ports }),
    ...(input.request.volumes && { volumes: input.request.volumes }),
    ...(view.gpus && { gpus: grantOfView(view.gpus) }),
    scheduler: scheduler.type,
    createdAt: view.created_at,
    container: input.container,
  };
  return { placement, host, live: false };
}

function ended(
  kind: "not-started" | "out-of-time",
  failures: FailedStart[],
  stats: PlaceStats,
  why = "",
): RunOutcome {
  const message =
    kind === "out-of-time"
      ? "the container did not start before the scheduler's time ran out; nothing is reserved; retry (with an Idempotency-Key, a retry finds the container instead of starting another)"
      : `the container did not start on the ${failures.length} host(s) tried and ${why}; nothing is reserved`;
  return {
    kind,
    answer: { error: kind === "out-of-time" ? "timeout" : "not_started", message, failures },
    failures,
    stats,
  };
}
