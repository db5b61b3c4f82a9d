import type { Host } from "./host.js";
import type { HostChangesOf } from "./host-changes.js";
import type { HostPage, PlacedOnHost, PlacementPage } from "./paging.js";
import type { Placement } from "./placement.js";

/** How a keyed request ended: a placement, or a refusal (409 unschedulable, 503 contention). */
export type KeyedOutcome = "placed" | "unschedulable" | "contention";

/**
 * What a request with an Idempotency-Key left behind: its body's fingerprint and its answer. A
 * placement binds the key for 24 hours; a refusal binds it only for the duplicates of the same
 * delivery (the same invocation run twice), so that a duplicate never places what the other refused,
 * while a new request with that key is scheduled afresh.
 */
export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  outcome: KeyedOutcome;
  answer: Record<string, unknown>;
  /** The delivery (API Gateway request) that wrote the record; duplicates of a delivery share it. */
  deliveryId: string;
  /** Epoch seconds when the key was taken. */
  createdAt: number;
  /** Epoch seconds after which the key is free again (24 hours, as ECS's clientToken). */
  expiresAt: number;
}

/** Whether `record` keeps a request of `deliveryId` from taking its key (see IdempotencyRecord). */
export function holdsKey(record: IdempotencyRecord, deliveryId: string, nowSeconds: number): boolean {
  return record.expiresAt >= nowSeconds && (record.outcome === "placed" || record.deliveryId === deliveryId);
}

/** A reservation to commit: the placement (which names its host) and, if asked, its idempotency record. */
export interface CommitRequest {
  placement: Placement;
  idempotency?: IdempotencyRecord;
}

/**
 * The arbiter's answer to a commit.
 * - committed: reserved, and recorded with the idempotency record if one was given; `host` is the host
 *   as it is after the commit when the arbiter tells (it shows what other schedulers reserved there;
 *   without its events, as listings give it).
 * - conflict: the host no longer fits (or is no longer ready); `host` is how it is now, undefined if gone.
 * - duplicate: the idempotency key is held by `record` (see holdsKey).
 * - busy: throttled or a transaction conflict; when `unknownOutcome`, the write may have landed, so the
 *   same placement must be tried again on the same host (a replay of it is harmless).
 * - refused: the store refused the write itself, not its condition (in DynamoDB a validation failure, such
 *   as the host's item growing past the 400 KB item limit): nothing landed, and this host cannot take the
 *   placement as it is, so retrying there is useless. `reason` is a fixed phrase for callers; `detail` is
 *   the store's own message, for the operator's log only.
 */
export type CommitOutcome =
  | { kind: "committed"; host?: Host }
  | { kind: "conflict"; host: Host | undefined }
  | { kind: "duplicate"; record: IdempotencyRecord }
  | { kind: "busy"; unknownOutcome: boolean; cause: string }
  | { kind: "refused"; hostId: string; reason: string; detail: string };

/** What callers are told of a refused commit (the store's own words go to the log, not to callers). */
export const COMMIT_REFUSED_REASON =
  "the registry refused to write this placement into the host's record (its size limit, or a validation failure)";

/**
 * The cluster manager's storage: hosts with their capacity counters and live placements (each host
 * with its placements' summaries, each placement whole on its own). Every
 * implementation passes the contract suite in test/contract; the commit is one atomic step that
 * checks the host still fits and is ready, so parallel schedulers can never over-commit a host.
 */
export interface Registry {
  /**
   * Adds a host; throws HostExistsError if the id is taken, else AddrTakenError if another host has its
   * (canonical) address: one engine is one host. Its address is free again once it is removed.
   */
  addHost(host: Host): Promise<void>;
  /** A host with its last events. */
  getHost(id: string): Promise<Host | undefined>;
  /** Every host. Listings (this, slices and pages) may leave the hosts' events out: getHost shows them. */
  listHosts(): Promise<Host[]>;
  /**
   * The hosts of slice `slice` (0 ≤ slice < `slices`): the slices of one count are disjoint and together
   * hold every host, each about `1/slices` of them (a scheduler's sample, see HostSnapshot).
   */
  sliceHosts(slice: number, slices: number): Promise<Host[]>;
  /**
   * At most `limit` hosts after the position `after` (from the first host when absent), in the
   * registry's own order; `next` is absent on the last page. A page may hold fewer than `limit` hosts
   * when the registry bounds what one call reads. See paging.ts for positions.
   */
  pageHosts(limit: number, after?: string): Promise<HostPage>;
  /** At most `limit` live placements after the position `after`, host by host, each host's by id. */
  pagePlacements(limit: number, after?: string): Promise<PlacementPage>;
  /**
   * At most `limit` of one host's live placements after the placement id `after`, by id; undefined when
   * the host is not registered.
   */
  pageHostPlacements(hostId: string, limit: number, after?: string): Promise<PlacementPage | undefined>;
  /** A live placement, whole, with its host; undefined when no placement by that id is live. */
  getPlacement(id: string): Promise<PlacedOnHost | undefined>;
  /**
   * Changes status, labels or totals. Totals move the free counters by the same delta, so reservations
   * stay accounted; throws HostNotFoundError, or CapacityBelowReservedError when a total would fall below
   * what is reserved. A function of the host is applied to the host as read on each attempt, so the change
   * that lands was computed from the state it replaces; a change lands only on the version it was computed
   * from (`Host.version`, +1 per change). The host it returns holds at least the events the change added
   * (getHost shows the last HOST_EVENTS_KEPT).
   */
  changeHost(id: string, changes: HostChangesOf, now: Date): Promise<Host>;
  /** Removes a host; unless `force`, throws HostBusyError while it has live placements. False if absent. */
  removeHost(id: string, force: boolean): Promise<boolean>;
  /** Reserves the placement on its host if the host is ready and still has room. */
  commit(request: CommitRequest): Promise<CommitOutcome>;
  /** Releases a placement and returns it; undefined when it is already gone (releasing twice is harmless). */
  release(placementId: string): Promise<Placement | undefined>;
  /**
   * Deletes what commits that failed midway left of placements that are not live on `host` (the registry
   * reads the host again itself, after what it would delete, so that a commit landing meanwhile is kept),
   * and returns how many; registries whose commit is one write have none (see the DynamoDB adapter's
   * records.ts).
   */
  sweep(host: Host, now: Date): Promise<number>;
  /** The idempotency record of that key, unless absent or expired at `nowSeconds`. */
  findIdempotencyRecord(key: string, nowSeconds: number): Promise<IdempotencyRecord | undefined>;
  /**
   * Binds a key to a refusal for the duplicates of its delivery, unless a record that holds the key
   * (`holdsKey`) is there first: then that record is returned, and nothing is written.
   */
  recordRefusal(record: IdempotencyRecord): Promise<IdempotencyRecord | undefined>;
}

export class HostExistsError extends Error {
  constructor(readonly hostId: string) {
    super(`host ${hostId} is already registered`);
  }
}

export class AddrTakenError extends Error {
  constructor(
    readonly addr: string,
    readonly hostId: string,
  ) {
    super(`${addr} is already the address of host ${hostId}: one Docker engine is one host`);
  }
}

export class HostNotFoundError extends Error {
  constructor(readonly hostId: string) {
    super(`host ${hostId} is not registered`);
  }
}

export class HostBusyError extends Error {
  constructor(
    readonly hostId: string,
    readonly placements: number,
  ) {
    super(`host ${hostId} has ${placements} live placement(s); release them or delete with ?force=true`);
  }
}

export class CapacityBelowReservedError extends Error {
  constructor(readonly hostId: string) {
    super(`host ${hostId}: a total cannot fall below what is already reserved on it`);
  }
}

/**
 * The store is throttling, timed out or failed on its side. `unknownOutcome`: a write may have landed
 * (a retry of the same request is harmless); otherwise it did not. Answered as 503, never as a 500.
 */
export class RegistryUnavailableError extends Error {
  constructor(
    readonly unknownOutcome: boolean,
    readonly reason: string,
  ) {
    super(`the registry is unavailable (${reason}); retry`);
  }
}
