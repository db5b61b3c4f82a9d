import { BatchGetCommand, type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { RegistryUnavailableError } from "../../core/registry.js";
import { guarded } from "./errors.js";

// Reads of many items: by keys (BatchGetItem), or a whole Scan segment page after page.

/** BatchGetItem reads at most 100 keys a call. */
const BATCH = 100;

/** Calls of one batch before keys DynamoDB keeps leaving unread (throttling) make the read a 503. */
const BATCH_ROUNDS = 6;

/**
 * The items of `table` under `keys`, read consistently with BatchGetItem, 100 keys a call; keys
 * DynamoDB did not get to (UnprocessedKeys) are asked again after a pause that grows. Absent items are
 * left out; the order is DynamoDB's.
 */
export async function batchGet(
  documents: DynamoDBDocumentClient,
  table: string,
  keys: Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let at = 0; at < keys.length; at += BATCH) {
    let asked = keys.slice(at, at + BATCH);
    for (let round = 0; asked.length > 0; round++) {
      if (round === BATCH_ROUNDS)
        throw new RegistryUnavailableError(false, `${table} items unread (throttled)`);
      if (round > 0) await new Promise((resume) => setTimeout(resume, Math.random() * 25 * 2 ** round));
      const answer = await guarded(
        documents.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: asked, ConsistentRead: true } } }),
        ),
      );
      items.push(...(answer.Responses?.[table] ?? []));
      asked = answer.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return items;
}

/**
 * Every item of one segment of a consistent parallel Scan of `table` (DynamoDB cuts segments by a hash
 * of the key), page after 1 MB page.
 */
export async function scanSegment(
  documents: DynamoDBDocumentClient,
  table: string,
  segment: number,
  segments: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await guarded(
      documents.send(
        new ScanCommand({
          TableName: table,
          ConsistentRead: true,
          Segment: segment,
          TotalSegments: segments,
          ExclusiveStartKey: start,
        }),
      ),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
