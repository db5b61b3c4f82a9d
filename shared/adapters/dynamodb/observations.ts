import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Host } from "../../core/host.js";
import { guarded } from "./errors.js";
import { type HostItem, type ObservationItem, toHost, toObservation } from "./items.js";
import { batchGet, scanSegment } from "./reads.js";
import type { TableNames } from "./tables.js";

// What a refresh observes of each host every round (its engine as reported, its health), one item per
// host in the observations table, apart from the host's item: a round's write is then one small item
// that no commit reads or pays for, and leaves the host's version alone (see observesOnly).

/** What observations need: the client and the tables. */
export interface ObservationStore {
  documents: DynamoDBDocumentClient;
  tables: TableNames;
}

/** Writes what was observed of `host` (the last write wins: only its refresh observes a host). */
export async function putObservation(store: ObservationStore, host: Host): Promise<void> {
  await guarded(
    store.documents.send(new PutCommand({ TableName: store.tables.observations, Item: toObservation(host) })),
  );
}

/** The host's observation, read consistently; undefined before its first. */
export async function readObservation(
  store: ObservationStore,
  id: string,
): Promise<ObservationItem | undefined> {
  const { Item } = await guarded(
    store.documents.send(
      new GetCommand({ TableName: store.tables.observations, Key: { id }, ConsistentRead: true }),
    ),
  );
  return Item as ObservationItem | undefined;
}

/** Host items as hosts, each with its observation (BatchGetItem, 100 a call). */
export async function withObservations(store: ObservationStore, items: HostItem[]): Promise<Host[]> {
  const read = await batchGet(
    store.documents,
    store.tables.observations,
    items.map((item) => ({ id: item.id })),
  );
  const byId = new Map(read.map((item) => [String(item.id), item as unknown as ObservationItem]));
  return items.map((item) => toHost(item, byId.get(item.id)));
}

/**
 * Every observation, by host id: a consistent parallel Scan in `segments` segments, for listings of
 * every host (cheaper than asking for each of 10,000 hosts by key).
 */
export async function scanObservations(
  store: ObservationStore,
  segments: number,
): Promise<Map<string, ObservationItem>> {
  const read = await Promise.all(
    Array.from({ length: segments }, (_, segment) =>
      scanSegment(store.documents, store.tables.observations, segment, segments),
    ),
  );
  return new Map(read.flat().map((item) => [String(item.id), item as unknown as ObservationItem]));
}

/** Deletes a removed host's observation. */
export async function dropObservation(store: ObservationStore, id: string): Promise<void> {
  await guarded(
    store.documents.send(new DeleteCommand({ TableName: store.tables.observations, Key: { id } })),
  );
}
