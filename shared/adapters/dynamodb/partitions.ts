import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { guarded } from "./errors.js";
import type { RecordStore } from "./records.js";

/**
 * Every item of one host in a table keyed by `host_id` (placement records, events), page after page, with
 * only the `attributes` asked for.
 */
export async function* itemsOfHost(
  store: RecordStore,
  table: string,
  hostId: string,
  attributes: string,
): AsyncGenerator<Record<string, unknown>> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await guarded(
      store.documents.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "host_id = :host",
          ExpressionAttributeValues: { ":host": hostId },
          ProjectionExpression: attributes,
          ExclusiveStartKey: start,
        }),
      ),
    );
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}
