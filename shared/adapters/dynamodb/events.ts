import { randomUUID } from "node:crypto";
import { DeleteCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { HOST_EVENTS_KEPT, type HostEvent } from "../../core/host.js";
import { guarded } from "./errors.js";
import { itemsOfHost } from "./partitions.js";
import type { RecordStore } from "./records.js";

// A host's events, as items of their own in the events table (key `host_id` and `seq`), not in the
// host's item: every commit rewrites that item, and DynamoDB charges a write by its size.

/** Events are kept this long (the table's TTL on `expires_at`); a host shows its last HOST_EVENTS_KEPT. */
const EVENT_DAYS = 30;

/** An event's item: `seq` orders a host's events (its time, its place in its change, then a random tag). */
export interface EventItem {
  host_id: string;
  seq: string;
  at: string;
  action: string;
  detail: string;
  expires_at: number;
}

/**
 * The items of events a change of `hostId` added, in their order. `tag` tells apart the events of two
 * changes in the same millisecond (random by default; a migration's is fixed, so that running it again
 * writes the same items).
 */
export function toEventItems(
  hostId: string,
  events: HostEvent[],
  tag = randomUUID().slice(0, 8),
): EventItem[] {
  return events.map((event, index) => ({
    host_id: hostId,
    seq: `${event.at}#${String(index).padStart(2, "0")}${tag}`,
    at: event.at,
    action: event.action,
    detail: event.detail,
    expires_at: Math.floor(Date.parse(event.at) / 1000) + EVENT_DAYS * 86_400,
  }));
}

/** Writes the events a change added (after the change's own write); `tag` as in toEventItems. */
export async function putEvents(
  store: RecordStore,
  hostId: string,
  events: HostEvent[],
  tag?: string,
): Promise<void> {
  await Promise.all(
    toEventItems(hostId, events, tag).map((item) =>
      guarded(store.documents.send(new PutCommand({ TableName: store.tables.events, Item: item }))),
    ),
  );
}

/** A host's last HOST_EVENTS_KEPT events, oldest first. */
export async function lastEvents(store: RecordStore, hostId: string): Promise<HostEvent[]> {
  const { Items = [] } = await guarded(
    store.documents.send(
      new QueryCommand({
        TableName: store.tables.events,
        KeyConditionExpression: "host_id = :host",
        ExpressionAttributeValues: { ":host": hostId },
        ScanIndexForward: false,
        Limit: HOST_EVENTS_KEPT,
        ConsistentRead: true,
      }),
    ),
  );
  return Items.reverse().map((item) => ({
    at: String(item.at),
    action: String(item.action),
    detail: String(item.detail),
  }));
}

/** Deletes the events of a removed host up to `until` (a host registered again under its id starts afresh). */
export async function dropEvents(store: RecordStore, hostId: string, until: Date): Promise<void> {
  for await (const key of itemsOfHost(store, store.tables.events, hostId, "host_id, seq")) {
    if (String(key.seq) >= until.toISOString()) continue;
    await guarded(store.documents.send(new DeleteCommand({ TableName: store.tables.events, Key: key })));
  }
}
