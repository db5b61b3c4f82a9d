import { placementAnswer } from "./answer.js";
import type { Host } from "./host.js";
import { filterHosts, selectHost } from "./pipeline.js";
import { newPlacementId, type Placement } from "./placement.js";
import type { IdempotencyRecord, Registry } from "./registry.js";
import type { ContainerRequest } from "./request.js";
import type { SchedulerType } from "./schedulers.js";
import type { HostSnapshot } from "./snapshot.js";

/** How long an idempotency key holds its answer (ECS keeps clientToken for 24 hours). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export interface PlaceDependencies {
  registry: Registry;
  snapshot: HostSnapshot;
  /** Commit attempts per request before answering 503 (conflicts and busy answers count). */
  maxAttempts: number;
  now: () => Date;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface PlaceInput {
  request: ContainerRequest;
  /** The body exactly as sent, echoed in the answer. */
  container: Record<string, unknown>;
  idempotencyKey?: string;
  /** A digest of the body: the same key with another body is refused. */
  fingerprint: string;
}

/** What one placement request cost: commits tried, of which conflicts and busy answers. */
export interface PlaceStats {
  attempts: number;
  conflicts: number;
  busy: number;
}

export type PlaceOutcome =
  | { kind: "placed"; answer: Record<string, unknown>; replayed: boolean; stats: PlaceStats }
  | { kind: "unschedulable"; hosts: number; reasons: Record<string, number>; stats: PlaceStats }
  | { kind: "idempotency-key-reused"; stats: PlaceStats }
  | { kind: "contention"; stats: PlaceStats };

/**
 * The scheduler's loop: filter → score → select on the snapshot, then commit at the arbiter.
 * A failed commit refreshes that host from the arbiter's answer and decides again, bounded by
 * `maxAttempts`. "Unschedulable" is answered only on a view read during this request, so a stale
 * snapshot never turns into a false 409; a write whose outcome is unknown is replayed, or read back,
 * never guessed.
 */
export async function place(
  scheduler: SchedulerType,
  input: PlaceInput,
  deps: PlaceDependencies,
): Promise<PlaceOutcome> {
  const stats: PlaceStats = { attempts: 0, conflicts: 0, busy: 0 };
  const { registry, snapshot } = deps;
  const { request, idempotencyKey } = input;

  if (idempotencyKey) {
    const record = await registry.findIdempotencyRecord(idempotencyKey, nowSeconds(deps));
    if (record) return replay(record, input, stats);
  }

  let fresh = false;
  if (snapshot.isStale()) {
    await snapshot.reload();
    fresh = true;
  }

  let pending: { host: Host; placement: Placement } | undefined;
  while (stats.attempts < deps.maxAttempts) {
    if (!pending) {
      const { feasible, reasons } = filterHosts(snapshot.values(), request);
      const host = selectHost(feasible, request, scheduler.score, {
        afterConflict: stats.conflicts + stats.busy > 0,
        random: deps.random,
      });
      if (!host) {
        if (fresh) return { kind: "unschedulable", hosts: countOf(snapshot.values()), reasons, stats };
        await snapshot.reload();
        fresh = true;
        continue;
      }
      pending = { host, placement: newPlacement(host.id, scheduler, input, deps.now()) };
    }

    stats.attempts++;
    const { host, placement } = pending;
    const answer = placementAnswer(host, placement);
    const idempotency = idempotencyKey ? record(idempotencyKey, input, placement, answer, deps) : undefined;
    const outcome = await registry.commit({ placement, ...(idempotency && { idempotency }) });

    switch (outcome.kind) {
      case "committed":
        snapshot.reserve(placement);
        return { kind: "placed", answer, replayed: false, stats };
      case "duplicate":
        return replay(outcome.record, input, stats);
      case "conflict":
        stats.conflicts++;
        snapshot.put(host.id, outcome.host);
        pending = undefined;
        break;
      case "busy":
        stats.busy++;
        if (!outcome.unknownOutcome) pending = undefined;
        await deps.sleep(backoffMs(stats.busy, deps.random));
        break;
    }
  }
  // The attempts ran out right after a write of unknown outcome: read the host back rather than guess.
  if (pending) {
    const host = await registry.getHost(pending.host.id);
    if (host?.placements.some((live) => live.id === pending?.placement.id)) {
      snapshot.put(host.id, host);
      const answer = placementAnswer(pending.host, pending.placement);
      return { kind: "placed", answer, replayed: false, stats };
    }
  }
  return { kind: "contention", stats };
}

function newPlacement(hostId: string, scheduler: SchedulerType, input: PlaceInput, now: Date): Placement {
  return {
    id: newPlacementId(hostId, now),
    hostId,
    image: input.request.image,
    cpuMilli: input.request.cpuMilli,
    memory: input.request.memory,
    scheduler: scheduler.type,
    createdAt: now.toISOString(),
    container: input.container,
  };
}

function record(
  key: string,
  input: PlaceInput,
  placement: Placement,
  answer: Record<string, unknown>,
  deps: PlaceDependencies,
): IdempotencyRecord {
  return {
    key,
    fingerprint: input.fingerprint,
    placementId: placement.id,
    answer,
    createdAt: nowSeconds(deps),
    expiresAt: nowSeconds(deps) + IDEMPOTENCY_TTL_SECONDS,
  };
}

function replay(record: IdempotencyRecord, input: PlaceInput, stats: PlaceStats): PlaceOutcome {
  return record.fingerprint === input.fingerprint
    ? { kind: "placed", answer: record.answer, replayed: true, stats }
    : { kind: "idempotency-key-reused", stats };
}

function nowSeconds(deps: PlaceDependencies): number {
  return Math.floor(deps.now().getTime() / 1000);
}

/** Full-jitter exponential backoff for throttling: up to 20, 40, 80 ... ms, capped at 500 ms. */
function backoffMs(retry: number, random: () => number): number {
  return Math.floor(random() * Math.min(500, 20 * 2 ** (retry - 1)));
}

function countOf(hosts: Iterable<Host>): number {
  let count = 0;
  for (const _ of hosts) count++;
  return count;
}
