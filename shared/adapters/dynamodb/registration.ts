import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Host } from "../../core/host.js";
import { AddrTakenError, HostBusyError, HostExistsError } from "../../core/registry.js";
import { cancelled, guarded } from "./errors.js";
import { dropEvents, toEventItems } from "./events.js";
import { hostDeletion } from "./host-writes.js";
import { type HostItem, toHost, toItem, toObservation } from "./items.js";
import { dropObservation } from "./observations.js";
import { type RecordStore, sweepRecords } from "./records.js";

// A host's registration and removal: its item, its address's claim, and what it leaves in other tables.

/** What a removal needs: the tables, and a consistent read of a host's item. */
export interface RemovalStore extends RecordStore {
  getItem: (hostId: string) => Promise<HostItem | undefined>;
}

/**
 * The host's item, its address's claim, its observation and its first events, in one transaction: one
 * engine is one host, even in a race.
 */
export async function registerHost(store: RecordStore, host: Host): Promise<void> {
  try {
    await guarded(
      store.documents.send(
        new TransactWriteCommand({
          // One token per registration: an SDK retry of a transaction that landed is not refused as a duplicate.
          ClientRequestToken: randomUUID(),
          TransactItems: [
            {
              Put: {
                TableName: store.tables.hosts,
                Item: toItem(host),
                ConditionExpression: "attribute_not_exists(id)",
              },
            },
            {
              Put: {
                TableName: store.tables.addresses,
                Item: { addr: host.addr, host_id: host.id },
                ConditionExpression: "attribute_not_exists(#addr)",
                ExpressionAttributeNames: { "#addr": "addr" },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            { Put: { TableName: store.tables.observations, Item: toObservation(host) } },
            ...toEventItems(host.id, host.events).map((Item) => ({
              Put: { TableName: store.tables.events, Item },
            })),
          ],
        }),
      ),
    );
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [hostReason, claimReason] = error.CancellationReasons ?? [];
    if (hostReason?.Code === "ConditionalCheckFailed") throw new HostExistsError(host.id);
    if (claimReason?.Code === "ConditionalCheckFailed") {
      const claim = claimReason.Item && unmarshall(claimReason.Item);
      throw new AddrTakenError(host.addr, String(claim?.host_id ?? "unknown"));
    }
    throw cancelled(error);
  }
}

/** Removes the host (see deleteHost), then its placements' records, its observation and its events. */
export async function deregisterHost(store: RemovalStore, id: string, force: boolean): Promise<boolean> {
  const removed = await deleteHost(store, id, force);
  if (removed) {
    // What the host had: a host registered again under its id since keeps what it has made.
    const at = new Date();
    await sweepRecords(store, id, async () => new Set(), at);
    await dropObservation(store, id);
    await dropEvents(store, id, at);
  }
  return removed;
}

/** The host's item and its address's claim, in one transaction, so a removed host frees its address. */
async function deleteHost(store: RemovalStore, id: string, force: boolean): Promise<boolean> {
  const item = await store.getItem(id);
  if (!item) return false;
  const host = toHost(item);
  if (!force && host.placements.length > 0) throw new HostBusyError(id, host.placements.length);
  try {
    await guarded(
      store.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                ...hostDeletion(store.tables.hosts, id, force),
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            {
              Delete: {
                TableName: store.tables.addresses,
                Key: { addr: host.addr },
                ConditionExpression: "attribute_not_exists(#addr) OR #host = :id",
                ExpressionAttributeNames: { "#addr": "addr", "#host": "host_id" },
                ExpressionAttributeValues: { ":id": id },
              },
            },
          ],
        }),
      ),
    );
    return true;
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [hostReason, claimReason] = error.CancellationReasons ?? [];
    if (hostReason?.Code === "ConditionalCheckFailed") {
      if (!hostReason.Item) return false;
      throw new HostBusyError(id, toHost(unmarshall(hostReason.Item) as HostItem).placements.length);
    }
    // A host registered before addresses were claimed, whose address another host claimed since:
    // that claim is the other host's to keep.
    if (claimReason?.Code === "ConditionalCheckFailed") return removeHostItem(store, id, force);
    throw cancelled(error);
  }
}

/** Removes the host's item alone (see deleteHost). */
async function removeHostItem(store: RecordStore, id: string, force: boolean): Promise<boolean> {
  try {
    await guarded(
      store.documents.send(
        new DeleteCommand({
          ...hostDeletion(store.tables.hosts, id, force),
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      ),
    );
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    if (!error.Item) return false;
    const host = toHost(unmarshall(error.Item) as HostItem);
    throw new HostBusyError(id, host.placements.length);
  }
}
