import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { type PlacementSummary, summaryOf } from "../../core/placement.js";
import { dropRecord } from "./commit.js";
import { entryKey, toEntry } from "./entries.js";
import { guarded } from "./errors.js";
import { putEvents } from "./events.js";
import { entriesOf, type HostItem, toHost, toObservation, toPlacementItem } from "./items.js";
import type { TableNames } from "./tables.js";

// Moves what earlier versions kept inside host items to the tables that hold it now: placements whole
// to records, leaving the short entry in their place (items.ts), a host's last events to the events
// table (events.ts), its engine and health to its observation (observations.ts); and rewrites entries of
// the form before in this one. Nothing needs it to keep working: such items are read, listed and
// released as they are. It makes their hosts' commits as cheap as the rest.

/**
 * What a migration did: hosts read, placements moved, those released while it ran (left alone), events
 * moved, observations moved, and entries rewritten in this version's form.
 */
export interface MigrationReport {
  hosts: number;
  moved: number;
  released: number;
  events: number;
  observations: number;
  rewritten: number;
}

/**
 * Moves every whole entry of every host item, and its events: the record is put first, then ONE conditional write swaps
 * the entry for its short form while the whole one is still there (a release meanwhile wins, and the
 * record is deleted again). The free counters are not touched: the placement's size is the same. Safe to
 * run while Citadel serves, and to run again (a second run finds nothing to move).
 */
export async function migrateHosts(
  documents: DynamoDBDocumentClient,
  tables: TableNames,
): Promise<MigrationReport> {
  const report: MigrationReport = {
    hosts: 0,
    moved: 0,
    released: 0,
    events: 0,
    observations: 0,
    rewritten: 0,
  };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await guarded(
      documents.send(
        new ScanCommand({ TableName: tables.hosts, ConsistentRead: true, ExclusiveStartKey: start }),
      ),
    );
    for (const item of (page.Items ?? []) as HostItem[]) {
      report.hosts++;
      for (const { key, summary, whole } of entriesOf(item)) {
        const entry = item.placements[key];
        if (whole) {
          if (await moveEntry(documents, tables, item.id, key, whole)) report.moved++;
          else report.released++;
        } else if (entry !== toEntry(summary) && (await rewrite(documents, tables, item.id, key, summary))) {
          report.rewritten++;
        }
      }
      if (item.events !== undefined) report.events += await moveEvents(documents, tables, item);
      if (item.engine !== undefined || item.health !== undefined) {
        await moveObservation(documents, tables, item);
        report.observations++;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return report;
}

/**
 * Moves a host item's events to the events table, then removes them from the item (a change meanwhile
 * writes its events to the table, never to the item). Returns how many.
 */
async function moveEvents(
  documents: DynamoDBDocumentClient,
  tables: TableNames,
  item: HostItem,
): Promise<number> {
  const events = item.events ?? [];
  await putEvents({ documents, tables }, item.id, events, "migrated");
  // Removed meanwhile (the condition fails): its events go with it.
  await changedIf(
    documents.send(
      new UpdateCommand({
        TableName: tables.hosts,
        Key: { id: item.id },
        UpdateExpression: "REMOVE #events",
        ConditionExpression: "attribute_exists(id)",
        ExpressionAttributeNames: { "#events": "events" },
      }),
    ),
  );
  return events.length;
}

/** Moves one whole entry; false when it was released before the swap (its record is deleted again). */
async function moveEntry(
  documents: DynamoDBDocumentClient,
  tables: TableNames,
  hostId: string,
  key: string,
  whole: NonNullable<ReturnType<typeof entriesOf>[number]["whole"]>,
): Promise<boolean> {
  await guarded(
    documents.send(
      new PutCommand({ TableName: tables.placements, Item: toPlacementItem(whole, Date.now()) }),
    ),
  );
  if (await rewrite(documents, tables, hostId, key, summaryOf(whole))) return true;
  await dropRecord({ documents, tables }, whole);
  return false;
}

/**
 * Writes a live placement's entry in this version's form, under its key (newPlacementId's suffix) in
 * place of `key` (the same, or a whole entry's whole id), while the entry read is still there; false
 * when it was released meanwhile.
 */
async function rewrite(
  documents: DynamoDBDocumentClient,
  tables: TableNames,
  hostId: string,
  key: string,
  summary: PlacementSummary,
): Promise<boolean> {
  const to = entryKey(summary.id);
  return changedIf(
    documents.send(
      new UpdateCommand({
        TableName: tables.hosts,
        Key: { id: hostId },
        UpdateExpression: to === key ? "SET #pl.#old = :entry" : "REMOVE #pl.#old SET #pl.#new = :entry",
        ConditionExpression: "attribute_exists(#pl.#old)",
        ExpressionAttributeNames: { "#pl": "placements", "#old": key, ...(to !== key && { "#new": to }) },
        ExpressionAttributeValues: { ":entry": toEntry(summary) },
      }),
    ),
  );
}

/**
 * Puts a host item's engine and health as its observation (unless a refresh wrote one since), then
 * removes them from the item, keeping the unmanaged use there (a change since did both itself).
 */
async function moveObservation(documents: DynamoDBDocumentClient, tables: TableNames, item: HostItem) {
  await changedIf(
    documents.send(
      new PutCommand({
        TableName: tables.observations,
        Item: toObservation(toHost(item)),
        ConditionExpression: "attribute_not_exists(id)",
      }),
    ),
  );
  await changedIf(
    documents.send(
      new UpdateCommand({
        TableName: tables.hosts,
        Key: { id: item.id },
        UpdateExpression: "SET #unmanaged = :unmanaged REMOVE #engine, #health",
        ConditionExpression: "attribute_exists(#engine) OR attribute_exists(#health)",
        ExpressionAttributeNames: { "#unmanaged": "unmanaged", "#engine": "engine", "#health": "health" },
        ExpressionAttributeValues: { ":unmanaged": item.engine?.unmanaged ?? null },
      }),
    ),
  );
}

/** Whether a conditional write landed (false when its condition failed). */
async function changedIf(write: Promise<unknown>): Promise<boolean> {
  try {
    await guarded(write);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
