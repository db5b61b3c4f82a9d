import { contentionAnswer, placementAnswer, unschedulableAnswer } from "./answer.js";
import { assignGpus } from "./gpus.js";
import { gpuShares, type Host, takenPorts } from "./host.js";
import { feasibleEnough, filterHosts, NEAR_BEST, selectHost } from "./pipeline.js";
import { newPlacementId, type Placement } from "./placement.js";
import { assignPorts } from "./ports.js";
import {
  type CommitOutcome,
  holdsKey,
  type IdempotencyRecord,
  type KeyedOutcome,
  type Registry,
} from "./registry.js";
import type { ContainerRequest } from "./request.js";
import { packs, type SchedulerType } from "./schedulers.js";
import { scoring } from "./scoring.js";
import type { HostSnapshot } from "./snapshot.js";
import { volumesHeld } from "./volumes.js";

/**
 * The sample's start for a packing type (see `packs`): filterHosts starts its scan at `random()` of the
 * way through the hosts, so 0 is the view's first host.
 */
export const FIRST_HOST = () => 0;

/**
 * How a decision breaks ties between equally scored hosts: a packing type takes the first in the view's
 * order, as it scans, so that it fills hosts in one order (as the FGD authors' simulator, which takes
 * the first node by name: on openb's Monte-Carlo workload the gpu type left 4.8% of the GPUs unallocated
 * with first-host ties, 5.4% with binpack breaking them, FGD's 10% at random); others at random, so
 * that parallel schedulers facing equal hosts do not all pick the same one. After a failed commit
 * (`nearBest` > 1) every type steps aside at random among the near-best.
 */
export function tieBreak(packing: boolean, nearBest: number, random: () => number): () => number {
  return packing && nearBest === 1 ? FIRST_HOST : random;
}

/** How long an idempotency key holds its answer (ECS keeps clientToken for 24 hours). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** What placing reads and writes at the arbiter. */
export type PlacementRegistry = Pick<
  Registry,
  "commit" | "getHost" | "findIdempotencyRecord" | "recordRefusal"
>;

export interface PlaceDependencies {
  registry: PlacementRegistry;
  snapshot: HostSnapshot;
  /** Commit attempts per request before answering 503 (conflicts and busy answers count). */
  maxAttempts: number;
  now: () => Date;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How many near-best hosts a retry chooses among after a failed commit (1: always the best). */
  nearBest?: number;
  /** Told of each commit the store refused to write (see CommitOutcome), for the operator's log. */
  onRefused?: (refusal: Extract<CommitOutcome, { kind: "refused" }>) => void;
}

export interface PlaceInput {
  request: ContainerRequest;
  /** The body exactly as sent, echoed in the answer. */
  container: Record<string, unknown>;
  idempotencyKey?: string;
  /** A digest of the body: the same key with another body is refused. */
  fingerprint: string;
  /** The delivery this is (the API request id): a duplicate of an invocation carries the same one. */
  deliveryId: string;
  /** Who asks (a digest of the caller): the placement's owner. */
  owner?: string;
}

/** What one placement request cost: commits tried, of which conflicts and busy answers. */
export interface PlaceStats {
  attempts: number;
  conflicts: number;
  busy: number;
}

export type PlaceOutcome =
  | {
      kind: KeyedOutcome;
      answer: Record<string, unknown>;
      replayed: boolean;
      stats: PlaceStats;
      /** The placement committed by this request (absent on replays and refusals). */
      placement?: Placement;
      host?: Host;
    }
  | { kind: "idempotency-key-reused"; stats: PlaceStats };

type Decision = Extract<PlaceOutcome, { kind: KeyedOutcome }>;

/**
 * Places a request. With an Idempotency-Key: a key already holding an answer replays it, and a refusal
 * binds the key for the duplicates of this delivery, so that the same invocation run twice gives one
 * answer and never a placement that no caller was told of.
 */
export async function place(
  scheduler: SchedulerType,
  input: PlaceInput,
  deps: PlaceDependencies,
): Promise<PlaceOutcome> {
  const stats: PlaceStats = { attempts: 0, conflicts: 0, busy: 0 };
  const key = input.idempotencyKey;
  if (key) {
    const record = await deps.registry.findIdempotencyRecord(key, nowSeconds(deps));
    if (record && holdsKey(record, input.deliveryId, nowSeconds(deps))) return replay(record, input, stats);
  }
  const outcome = await decideAndCommit(scheduler, input, deps, stats);
  if (!key || outcome.kind === "placed" || outcome.kind === "idempotency-key-reused") return outcome;
  const holder = await deps.registry.recordRefusal(keyRecord(key, input, outcome, deps));
  return holder ? replay(holder, input, stats) : outcome;
}

/**
 * The scheduler's loop: filter → score → select on the snapshot, then commit at the arbiter.
 * A failed commit refreshes that host from the arbiter's answer and decides again, bounded by
 * `maxAttempts`; a retry chooses among the near-best hosts instead of all retries taking the best one
 * (Omega's and Nomad's answer to hot spots), and a second conflict reloads the view. A commit's
 * answer refreshes its host in the view (see HostSnapshot.committed). "Unschedulable" is answered only
 * on a view of every host read during this request, so a stale snapshot or a slice never turns into a
 * false 409; a write whose
 * outcome is unknown is replayed until known, or read back, never guessed.
 */
async function decideAndCommit(
  scheduler: SchedulerType,
  input: PlaceInput,
  deps: PlaceDependencies,
  stats: PlaceStats,
): Promise<Decision | Extract<PlaceOutcome, { kind: "idempotency-key-reused" }>> {
  const { registry, snapshot } = deps;
  const { request, idempotencyKey } = input;
  const packing = packs(scheduler);
  let fresh = false;
  if (snapshot.isStale()) {
    await snapshot.reload();
    fresh = true;
  }

  // A decision in flight: replayed as it is (the same write, byte for byte) while its outcome is unknown.
  let pending:
    | { host: Host; placement: Placement; placed: Decision; idempotency?: IdempotencyRecord }
    | undefined;
  let unresolved = false;
  // Hosts whose commit the store refused to write in this request, and why: not tried again, even if a reload brings them back.
  const refused: Record<string, string> = {};
  // The volumes of the request some host holds, as every view of this request saw them.
  let held = new Set<string>();
  while (stats.attempts < deps.maxAttempts) {
    if (!pending) {
      // Volumes: "no host holds it" (and so "create it here") is a fact of the whole cluster, which a
      // slice cannot tell: a request naming volumes decides on a view of every host (read now if the
      // view is a slice; a whole view within its age bound will do, as the refresh lists volumes only
      // once a round anyway and a placement's created volumes are in its host's record). Hosts stay
      // holders once seen in this request (a refused host leaves the view, not the cluster).
      if (request.volumes && !snapshot.isWhole()) {
        await snapshot.reloadAll();
        fresh = true;
      }
      const viewed = snapshot.values();
      if (request.volumes) held = new Set([...held, ...volumesHeld(viewed, request.volumes)]);
      // The view's own list when no host was refused: rules keep what they learn of a view by its list.
      const hosts = Object.keys(refused).length
        ? viewed.filter((host) => refused[host.id] === undefined)
        : viewed;
      const decided = request.volumes ? { ...request, volumesHeld: held } : request;
      const { feasible, reasons } = filterHosts(hosts, decided, {
        limit: feasibleEnough(hosts.length),
        random: packing ? FIRST_HOST : deps.random,
      });
      const { score } = scoring(scheduler, request, { hosts, replicas: snapshot.replicas(request.image) });
      const nearBest = stats.conflicts + stats.busy > 0 ? (deps.nearBest ?? NEAR_BEST) : 1;
      const host = selectHost(feasible, score, {
        nearBest,
        random: tieBreak(packing, nearBest, deps.random),
      });
      if (!host) {
        if (fresh && snapshot.isWhole()) {
          const answer = unschedulableAnswer(hosts.length, reasons, refused);
          return { kind: "unschedulable", answer, replayed: false, stats };
        }
        // Not on this slice, or not on a view this request read: decide again on every host, read now.
        await snapshot.reloadAll();
        fresh = true;
        continue;
      }
      const placement = newPlacement(host, scheduler, input, deps);
      const placed: Decision = {
        kind: "placed",
        answer: placementAnswer(host, placement),
        replayed: false,
        stats,
        placement,
        host,
      };
      const idempotency = idempotencyKey ? keyRecord(idempotencyKey, input, placed, deps) : undefined;
      pending = { host, placement, placed, ...(idempotency && { idempotency }) };
    }

    stats.attempts++;
    const { host, placement, placed, idempotency } = pending;
    const outcome = await registry.commit({ placement, ...(idempotency && { idempotency }) });

    switch (outcome.kind) {
      case "committed":
        snapshot.committed(placement, outcome.host);
        return placed;
      case "duplicate":
        return replay(outcome.record, input, stats);
      case "conflict":
        // The host as it is now does not hold this placement: it did not land.
        stats.conflicts++;
        snapshot.put(host.id, outcome.host);
        pending = undefined;
        unresolved = false;
        // Two conflicts in one request: the view is stale beyond one host, read it all again.
        if (stats.conflicts === 2 && !fresh) {
          await snapshot.reload();
          fresh = true;
        }
        break;
      case "refused":
        // Nothing landed, and this host cannot take it as it is: another host, and this one out of the view.
        refused[host.id] = outcome.reason;
        deps.onRefused?.(outcome);
        snapshot.put(host.id, undefined);
        pending = undefined;
        unresolved = false;
        break;
      case "busy":
        stats.busy++;
        unresolved ||= outcome.unknownOutcome;
        if (!unresolved) pending = undefined;
        await deps.sleep(backoffMs(stats.busy, deps.random));
        break;
    }
  }
  // The attempts ran out with a write of unknown outcome: read the host back rather than guess.
  if (pending && unresolved) {
    const host = await registry.getHost(pending.host.id);
    if (host?.placements.some((live) => live.id === pending?.placement.id)) {
      snapshot.put(host.id, host);
      return pending.placed;
    }
  }
  return { kind: "contention", answer: contentionAnswer(stats.attempts), replayed: false, stats };
}

/** The placement of `input` on `host`, which the filter found fit: its dynamic ports and GPUs picked there. */
function newPlacement(
  host: Host,
  scheduler: SchedulerType,
  input: PlaceInput,
  deps: Pick<PlaceDependencies, "now" | "random">,
): Placement {
  const now = deps.now();
  // The filter found the ports free on this view of the host, so there are some: none would be a bug.
  const ports =
    input.request.ports && assignPorts(input.request.ports, takenPorts(host), host.portRange, deps.random);
  if (typeof ports === "string") throw new Error(`host ${host.id} passed the filter but ${ports}`);
  const gpus = input.request.gpus && assignGpus(input.request.gpus, host.gpus, gpuShares(host));
  if (typeof gpus === "string") throw new Error(`host ${host.id} passed the filter but ${gpus}`);
  return {
    id: newPlacementId(host.id, now),
    hostId: host.id,
    image: input.request.image,
    amounts: input.request.amounts,
    ...(ports && { ports }),
    ...(input.request.volumes && { volumes: input.request.volumes }),
    ...(gpus && { gpus }),
    scheduler: scheduler.type,
    createdAt: now.toISOString(),
    container: input.container,
    ...(input.owner !== undefined && { owner: input.owner }),
  };
}

function keyRecord(
  key: string,
  input: PlaceInput,
  decision: Decision,
  deps: PlaceDependencies,
): IdempotencyRecord {
  return {
    key,
    fingerprint: input.fingerprint,
    outcome: decision.kind,
    answer: decision.answer,
    deliveryId: input.deliveryId,
    createdAt: nowSeconds(deps),
    expiresAt: nowSeconds(deps) + IDEMPOTENCY_TTL_SECONDS,
  };
}

function replay(record: IdempotencyRecord, input: PlaceInput, stats: PlaceStats): PlaceOutcome {
  return record.fingerprint === input.fingerprint
    ? { kind: record.outcome, answer: record.answer, replayed: true, stats }
    : { kind: "idempotency-key-reused", stats };
}

function nowSeconds(deps: PlaceDependencies): number {
  return Math.floor(deps.now().getTime() / 1000);
}

/** Full-jitter exponential backoff for throttling: up to 20, 40, 80 ... ms, capped at 500 ms. */
function backoffMs(retry: number, random: () => number): number {
  return Math.floor(random() * Math.min(500, 20 * 2 ** (retry - 1)));
}
