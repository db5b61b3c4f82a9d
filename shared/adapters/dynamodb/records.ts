import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { PlacedOnHost } from "../../core/paging.js";
import type { Placement } from "../../core/placement.js";
import { dropRecord } from "./commit.js";
import { guarded } from "./errors.js";
import { type PlacementItem, toPlacement } from "./items.js";
import type { Listed } from "./pages.js";
import { itemsOfHost } from "./partitions.js";
import type { TableNames } from "./tables.js";

// Placement records: each placement whole, in the placements table, beside its summary in its host's
// item. The host's entry decides whether a placement is live; its record only says the rest of it.

/** What reading and sweeping records needs: the client and the tables. */
export interface RecordStore {
  documents: DynamoDBDocumentClient;
  tables: TableNames;
}

/** BatchGetItem reads at most 100 keys a call. */
const BATCH = 100;

/**
 * A record older than this without its host's entry was left by a commit that failed or whose function
 * died before deleting it: a commit's host write lands within its scheduler's timeout (25 s) of its
 * record's put, so a quarter of an hour never catches one still in flight.
 */
export const STRAY_AGE_MS = 15 * 60_000;

/** Listed placements whole: each from its record (or its whole entry, in an earlier version's item). */
export async function readWhole(store: RecordStore, placements: Listed[]): Promise<PlacedOnHost[]> {
  const wanted = placements.filter((entry) => !entry.whole).map((entry) => entry.placement.id);
  const records = new Map<string, PlacementItem>();
  for (let at = 0; at < wanted.length; at += BATCH) {
    let keys: Record<string, unknown>[] = wanted
      .slice(at, at + BATCH)
      .map((id) => ({ host_id: id.slice(0, id.lastIndexOf(".")), id }));
    // Keys DynamoDB did not get to (UnprocessedKeys) are asked again until none is left.
    while (keys.length > 0) {
      const answer = await guarded(
        store.documents.send(
          new BatchGetCommand({
            RequestItems: { [store.tables.placements]: { Keys: keys, ConsistentRead: true } },
          }),
        ),
      );
      for (const item of answer.Responses?.[store.tables.placements] ?? []) {
        records.set(String(item.id), item as PlacementItem);
      }
      keys = answer.UnprocessedKeys?.[store.tables.placements]?.Keys ?? [];
    }
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
 * the entry and releases delete it after, so this is never expected; the placement still shows, and
 * anyone may release it.
 */
export function withoutRecord(hostId: string, summary: Listed["placement"]): Placement {
  return { ...summary, hostId, scheduler: "unknown", container: {} };
}

/**
 * Deletes the records of `hostId` that are not in `live` and were created before `before`: what failed
 * commits left behind (see STRAY_AGE_MS), or every record of a removed host. Returns how many.
 */
export async function sweepRecords(
  store: RecordStore,
  hostId: string,
  live: ReadonlySet<string>,
  before: Date,
): Promise<number> {
  let swept = 0;
  for await (const item of itemsOfHost(store, store.tables.placements, hostId, "id, created_at")) {
    if (live.has(String(item.id)) || Date.parse(String(item.created_at)) >= before.getTime()) continue;
    await dropRecord(store, { id: String(item.id) });
    swept++;
  }
  return swept;
}
