import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { PlacedOnHost } from "../../core/paging.js";
import type { Placement } from "../../core/placement.js";
import { guarded } from "./errors.js";
import { type PlacementItem, toPlacement } from "./items.js";
import type { Listed } from "./pages.js";
import { itemsOfHost } from "./partitions.js";
import { batchGet } from "./reads.js";
import type { TableNames } from "./tables.js";

// Placement records: each placement whole, in the placements table, beside its summary in its host's
// item. The host's entry decides whether a placement is live; its record only says the rest of it.

/** What reading and sweeping records needs: the client and the tables. */
export interface RecordStore {
  documents: DynamoDBDocumentClient;
  tables: TableNames;
}

/**
 * A record put longer ago than this without its host's entry was left by a commit that failed or whose
 * function died before deleting it: a commit's host write lands within its scheduler's timeout (25 s)
 * of its record's put, so a quarter of an hour never catches one still in flight.
 */
export const STRAY_AGE_MS = 15 * 60_000;

/** Listed placements whole: each from its record (or its whole entry, in an earlier version's item). */
export async function readWhole(store: RecordStore, placements: Listed[]): Promise<PlacedOnHost[]> {
  const keys = placements
    .filter((entry) => !entry.whole)
    .map(({ host, placement }) => ({ host_id: host.id, id: placement.id }));
  const records = new Map<string, PlacementItem>();
  for (const item of await batchGet(store.documents, store.tables.placements, keys)) {
    records.set(String(item.id), item as unknown as PlacementItem);
  }
  return placements.map(({ host, placement, whole }) => {
    const record = records.get(placement.id);
    return {
      host,
      placement:
        whole ?? (record ? toPlacement(placement.id, host.id, record) : withoutRecord(host.id, placement)),
    };
  });
}

/**
 * A live placement whose record is missing, as its host's entry tells it. Commits put the record before
 * the entry and releases delete it after, so this is never expected; the placement still shows (its
 * image, scheduler and request unknown: the entry keeps only its image's tag), and anyone may release it.
 */
export function withoutRecord(hostId: string, summary: Listed["placement"]): Placement {
  const { id, amounts, createdAt } = summary;
  return { id, hostId, image: "unknown", amounts, scheduler: "unknown", createdAt, container: {} };
}

/**
 * Deletes the records of `hostId` put before `before` that are not live: what failed commits left behind
 * (see STRAY_AGE_MS), or every record of a removed host. The records are read first and the live
 * placements after (`liveOf`, a consistent read of the host), so that a commit landing in between keeps
 * its record; a record put again meanwhile (a replay) is kept by the deletion's condition. Returns how many.
 */
export async function sweepRecords(
  store: RecordStore,
  hostId: string,
  liveOf: () => Promise<ReadonlySet<string>>,
  before: Date,
): Promise<number> {
  const old: string[] = [];
  for await (const item of itemsOfHost(store, store.tables.placements, hostId, "id, put_at")) {
    if (Number(item.put_at) < before.getTime()) old.push(String(item.id));
  }
  if (old.length === 0) return 0;
  const live = await liveOf();
  let swept = 0;
  for (const id of old.filter((one) => !live.has(one))) {
    try {
      await guarded(
        store.documents.send(
          new DeleteCommand({
            TableName: store.tables.placements,
            Key: { host_id: hostId, id },
            ConditionExpression: "put_at < :before",
            ExpressionAttributeValues: { ":before": before.getTime() },
          }),
        ),
      );
      swept++;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  return swept;
}
