import { createHash } from "node:crypto";
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { MAX_PLACEMENTS_PER_HOST, withoutEvents } from "../../core/host.js";
import { hostOfPlacement, type Placement, type PlacementSummary, summaryOf } from "../../core/placement.js";
import { type PortMapping, takenKeys } from "../../core/ports.js";
import {
  COMMIT_REFUSED_REASON,
  type CommitOutcome,
  type CommitRequest,
  type IdempotencyRecord,
  RegistryUnavailableError,
} from "../../core/registry.js";
import { type Amounts, RESOURCES } from "../../core/resources.js";
import { entryKey, toEntry } from "./entries.js";
import { cancelled, guarded } from "./errors.js";
import { heldGpus } from "./gpus.js";
import { takeKey } from "./idempotency.js";
import { type HostItem, toHost, toPlacementItem, toRecord } from "./items.js";
import type { TableNames } from "./tables.js";

// The arbiter: Citadel's central guarantee, that no host is ever over-committed and no reservation is
// lost or counted twice, is the condition of the one write below. Schedulers decide in parallel on
// views that may be stale; DynamoDB's conditional write on the host's item says yes or no (as Nomad's
// plan applier re-checks each plan against the current state: nomad/plan_apply.go).

/**
 * The counters a placement moves, built from the resource list: the resources it asks some of (a request
 * always asks for cpu and memory; a host without the others has no counter of them to compare).
 */
function counters(amounts: Amounts) {
  const asked = RESOURCES.filter(({ name }) => amounts[name] > 0);
  return {
    names: Object.fromEntries(asked.map(({ name }) => [`#f_${name}`, `free_${name}`])),
    values: Object.fromEntries(asked.map(({ name }) => [`:${name}`, amounts[name]])),
    /** `#f_cpu >= :cpu AND ...` */
    fit: asked.map(({ name }) => `#f_${name} >= :${name}`).join(" AND "),
    /** `#f_cpu = #f_cpu - :cpu, ...` (or `+`) */
    move: (sign: "-" | "+") => asked.map(({ name }) => `#f_${name} = #f_${name} ${sign} :${name}`).join(", "),
  };
}

/**
 * The host ports a placement holds, as the commit's condition and the set's update name them: each port
 * free of placements (`taken_ports`) and of unmanaged containers (`unmanaged_ports`); `contains` on an
 * absent or null set is false, so a host without either passes.
 */
function heldPorts(ports: readonly PortMapping[] | undefined) {
  const keys = takenKeys(ports ?? []);
  return {
    keys,
    names: (keys.length ? { "#tp": "taken_ports", "#up": "unmanaged_ports" } : {}) as Record<string, string>,
    values: Object.fromEntries([
      ...keys.map((key, at): [string, unknown] => [`:port${at}`, key]),
      ...(keys.length ? [[":ports", new Set(keys)] as [string, unknown]] : []),
    ]),
    free: keys
      .map((_, at) => ` AND NOT contains(#tp, :port${at}) AND NOT contains(#up, :port${at})`)
      .join(""),
  };
}

/** The one write of a commit: reserve on the host if it is ready, fits, and has not got this placement. */
export function reserveUpdate(table: string, placement: Placement) {
  const moved = counters(placement.amounts);
  const ports = heldPorts(placement.ports);
  const gpus = heldGpus(placement.gpus);
  return {
    TableName: table,
    Key: { id: placement.hostId },
    UpdateExpression: `SET #pl.#pid = :entry, ${moved.move("-")}${gpus.move.text("+")}${ports.keys.length ? " ADD #tp :ports" : ""}`,
    ConditionExpression: `#status = :ready AND ${moved.fit}${ports.free}${gpus.fit.text} AND size(#pl) < :max AND attribute_not_exists(#pl.#pid)`,
    ExpressionAttributeNames: {
      "#pl": "placements",
      "#pid": entryKey(placement.id),
      ...moved.names,
      ...ports.names,
      ...gpus.move.names,
      ...gpus.fit.names,
      "#status": "status",
    },
    ExpressionAttributeValues: {
      ":entry": toEntry(summaryOf(placement)),
      ...moved.values,
      ...ports.values,
      ...gpus.move.values,
      ...gpus.fit.values,
      ":ready": "ready",
      ":max": MAX_PLACEMENTS_PER_HOST,
    },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  };
}

/**
 * A release: credit the placement's size back to its host, once (the entry's removal is the guard).
 * `key` is the placement's key in its host's map, as read (an earlier version's entries have another).
 */
export function releaseUpdate(table: string, hostId: string, key: string, placement: PlacementSummary) {
  const moved = counters(placement.amounts);
  const keys = takenKeys(placement.ports ?? []);
  const gpus = heldGpus(placement.gpus).move;
  return {
    TableName: table,
    Key: { id: hostId },
    UpdateExpression: `REMOVE #pl.#pid SET ${moved.move("+")}${gpus.text("-")}${keys.length ? " DELETE #tp :ports" : ""}`,
    ConditionExpression: "attribute_exists(#pl.#pid)",
    ExpressionAttributeNames: {
      "#pl": "placements",
      "#pid": key,
      ...moved.names,
      ...gpus.names,
      ...(keys.length && { "#tp": "taken_ports" }),
    },
    ExpressionAttributeValues: {
      ...moved.values,
      ...gpus.values,
      ...(keys.length && { ":ports": new Set(keys) }),
    },
  };
}

/** What a commit needs of the registry: its client, its tables, and a read of a key's record. */
export interface CommitStore {
  documents: DynamoDBDocumentClient;
  tables: TableNames;
  findRecord: (key: string, nowSeconds: number) => Promise<IdempotencyRecord | undefined>;
}

/**
 * Commits a placement: its record first, then ONE conditional UpdateItem on its host (`#free >= :x`
 * checks the fit, not a version, so only a real shortage conflicts; `attribute_not_exists` on its map
 * entry makes a replayed commit harmless), or, with an idempotency key, a transaction of that write with
 * the key's record. The host's write alone decides: a record without its host's entry is no placement,
 * and is deleted when the host says the placement is not there (or swept later, see records.ts).
 */
export async function commitPlacement(store: CommitStore, request: CommitRequest): Promise<CommitOutcome> {
  const record = await putRecord(store, request.placement);
  if (record) return record;
  const outcome = await hostWrite(store, request);
  // Only the host's own answer says the placement is not there (an earlier attempt of the same placement
  // may have landed, and a throttled or keyed replay of it says nothing of that): otherwise the sweep decides.
  if (absent(outcome, request.placement)) await dropRecord(store, request.placement);
  return outcome;
}

/** Whether a commit's answer shows its placement is not on its host: its record can go. */
function absent(outcome: CommitOutcome, placement: Placement): boolean {
  if (outcome.kind === "conflict" || outcome.kind === "refused") return true;
  if (outcome.kind !== "duplicate") return false;
  // The key is held: by this very placement when an earlier attempt of it landed.
  const held = (outcome.record.answer as { placement?: { id?: string } }).placement?.id;
  return held !== placement.id;
}

/** Puts the placement's record; an answer when that failed (nothing is reserved then). */
async function putRecord(store: CommitStore, placement: Placement): Promise<CommitOutcome | undefined> {
  try {
    const Item = toPlacementItem(placement, Date.now());
    await guarded(store.documents.send(new PutCommand({ TableName: store.tables.placements, Item })));
    return undefined;
  } catch (error) {
    if (!(error instanceof RegistryUnavailableError)) throw error;
    // A record that landed all the same is no placement without its host's entry.
    return { kind: "busy", unknownOutcome: false, cause: error.reason };
  }
}

/** Deletes the record of a placement that is not live; one left behind is swept later (records.ts). */
export async function dropRecord(
  store: Pick<CommitStore, "documents" | "tables">,
  placement: { id: string },
) {
  try {
    await store.documents.send(
      new DeleteCommand({
        TableName: store.tables.placements,
        Key: { host_id: hostOfPlacement(placement.id), id: placement.id },
      }),
    );
  } catch {
    // Left for the sweep: the host's entry, not the record, says whether a placement is live.
  }
}

/** The commit's write on the host (see commitPlacement). */
async function hostWrite(
  store: CommitStore,
  { placement, idempotency }: CommitRequest,
): Promise<CommitOutcome> {
  const reserve = reserveUpdate(store.tables.hosts, placement);
  try {
    if (!idempotency) {
      const { Attributes } = await guarded(
        store.documents.send(new UpdateCommand({ ...reserve, ReturnValues: "ALL_NEW" })),
      );
      return {
        kind: "committed",
        ...(Attributes && { host: withoutEvents(toHost(Attributes as HostItem)) }),
      };
    }
    // A transaction returns no item on success: the scheduler's view keeps its own reservation only.
    await guarded(
      store.documents.send(
        new TransactWriteCommand({
          // Same key and placement, same token: an SDK retry of a transaction that landed is a no-op.
          ClientRequestToken: createHash("sha256")
            .update(`${idempotency.key}\n${placement.id}`)
            .digest("base64url")
            .slice(0, 36),
          TransactItems: [
            {
              Put: {
                ...takeKey(store.tables.requests, idempotency),
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            { Update: reserve },
          ],
        }),
      ),
    );
    return { kind: "committed" };
  } catch (error) {
    return commitFailure(store, error, placement, idempotency);
  }
}

/** Turns a refused commit into the arbiter's answer; errors that are not about the commit are rethrown. */
async function commitFailure(
  store: CommitStore,
  error: unknown,
  placement: Placement,
  idempotency: IdempotencyRecord | undefined,
): Promise<CommitOutcome> {
  if (error instanceof ConditionalCheckFailedException) return hostConflict(error.Item, placement);
  // The write itself is invalid for this host (its item would pass 400 KB, say). DynamoDB checks the
  // condition first, so a replay of a write that landed is a conflict that finds it, never this.
  if ((error as { name?: string }).name === "ValidationException") {
    return refusedCommit(placement, (error as Error).message);
  }
  if (error instanceof TransactionCanceledException) {
    const [recordReason, hostReason] = error.CancellationReasons ?? [];
    if (recordReason?.Code === "ConditionalCheckFailed" && idempotency) {
      const item = recordReason.Item && toRecord(unmarshall(recordReason.Item));
      const record = item ?? (await store.findRecord(idempotency.key, idempotency.createdAt));
      // A record that vanished (expired) between the two reads: the key is free again, try again.
      return record
        ? { kind: "duplicate", record }
        : { kind: "busy", unknownOutcome: false, cause: "idempotency record expired" };
    }
    if (hostReason?.Code === "ConditionalCheckFailed") return hostConflict(hostReason.Item, placement);
    const invalid = (error.CancellationReasons ?? []).find((reason) => reason.Code === "ValidationError");
    if (invalid) return refusedCommit(placement, invalid.Message ?? error.message);
    return { kind: "busy", unknownOutcome: false, cause: cancelled(error).reason };
  }
  // After a timeout the caller replays the same placement, which the condition makes harmless.
  if (error instanceof RegistryUnavailableError) {
    return { kind: "busy", unknownOutcome: error.unknownOutcome, cause: error.reason };
  }
  throw error;
}

/** A commit the store refused to write: `detail` (the store's words) is for the operator's log only. */
function refusedCommit(placement: Placement, detail: string): CommitOutcome {
  return { kind: "refused", hostId: placement.hostId, reason: COMMIT_REFUSED_REASON, detail };
}

/** The host as the failed condition saw it; if it already holds the placement, an earlier try landed. */
function hostConflict(item: Record<string, AttributeValue> | undefined, placement: Placement): CommitOutcome {
  const host = item && withoutEvents(toHost(unmarshall(item) as HostItem));
  if (host?.placements.some((live) => live.id === placement.id)) return { kind: "committed", host };
  return { kind: "conflict", host };
}
