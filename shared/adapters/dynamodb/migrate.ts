import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dropRecord } from "./commit.js";
import { guarded } from "./errors.js";
import { entriesOf, entryKey, type HostItem, toEntry, toPlacementItem } from "./items.js";
import type { TableNames } from "./tables.js";

// Moves the placements that versions before placement records kept whole inside their hosts' items to
// records, leaving the short entry in their place (items.ts). Nothing needs it to keep working: such
// items are read, listed and released as they are. It makes their hosts' commits as cheap as the rest.

/** What a migration did: hosts read, placements moved, and those released while it ran (left alone). */
export interface MigrationReport {
  hosts: number;
  moved: number;
  released: number;
}

/**
 * Moves every whole entry of every host item: the record is put first, then ONE conditional write swaps
 * the entry for its short form while the whole one is still there (a release meanwhile wins, and the
 * record is deleted again). The free counters are not touched: the placement's size is the same. Safe to
 * run while Citadel serves, and to run again (a second run finds nothing to move).
 */
export async function migratePlacements(
  documents: DynamoDBDocumentClient,
  tables: TableNames,
): Promise<MigrationReport> {
  const report: MigrationReport = { hosts: 0, moved: 0, released: 0 };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await guarded(
      documents.send(
        new ScanCommand({ TableName: tables.hosts, ConsistentRead: true, ExclusiveStartKey: start }),
      ),
    );
    for (const item of (page.Items ?? []) as HostItem[]) {
      report.hosts++;
      for (const { key, whole } of entriesOf(item)) {
        if (!whole) continue;
        if (await moveEntry(documents, tables, item.id, key, whole)) report.moved++;
        else report.released++;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return report;
}

/** Moves one whole entry; false when it was released before the swap. */
async function moveEntry(
  documents: DynamoDBDocumentClient,
  tables: TableNames,
  hostId: string,
  key: string,
  whole: NonNullable<ReturnType<typeof entriesOf>[number]["whole"]>,
): Promise<boolean> {
  await guarded(
    documents.send(new PutCommand({ TableName: tables.placements, Item: toPlacementItem(whole) })),
  );
  try {
    await guarded(
      documents.send(
        new UpdateCommand({
          TableName: tables.hosts,
          Key: { id: hostId },
          UpdateExpression: "REMOVE #pl.#old SET #pl.#new = :entry",
          ConditionExpression: "attribute_exists(#pl.#old)",
          ExpressionAttributeNames: { "#pl": "placements", "#old": key, "#new": entryKey(whole.id) },
          ExpressionAttributeValues: { ":entry": toEntry(whole) },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    await dropRecord({ documents, tables }, whole);
    return false;
  }
}
