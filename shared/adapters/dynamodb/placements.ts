import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { PlacedOnHost } from "../../core/paging.js";
import { hostOfPlacement, type Placement } from "../../core/placement.js";
import { releaseUpdate } from "./commit.js";
import { guarded } from "./errors.js";
import { entriesOf, type HostItem, type PlacementItem, toPlacement } from "./items.js";
import { listed } from "./pages.js";
import { type RecordStore, withoutRecord } from "./records.js";

// One placement read whole, and released: its host's entry says whether it is live, its record the rest.

/** What reading and releasing a placement needs: the records' store and a consistent read of a host. */
export interface PlacementStore extends RecordStore {
  getItem: (hostId: string) => Promise<HostItem | undefined>;
}

/**
 * A live placement with its host: the host's item, then the placement's record (a commit puts the record
 * before its host's entry, so a record read after the entry is there; it is read once more should it not).
 */
export async function readPlacement(store: PlacementStore, id: string): Promise<PlacedOnHost | undefined> {
  const hostId = hostOfPlacement(id);
  if (hostId === undefined) return undefined;
  const item = await store.getItem(hostId);
  const entry = item && listed(item).find((live) => live.placement.id === id);
  if (!entry) return undefined;
  if (entry.whole) return { host: entry.host, placement: entry.whole };
  const read = () =>
    guarded(
      store.documents.send(
        new GetCommand({
          TableName: store.tables.placements,
          Key: { host_id: hostId, id },
          ConsistentRead: true,
        }),
      ),
    );
  const record = (await read()).Item ?? (await read()).Item;
  const placement = record
    ? toPlacement(id, hostId, record as PlacementItem)
    : withoutRecord(hostId, entry.placement);
  return { host: entry.host, placement };
}

/**
 * Credits the placement's size back to its host and removes its entry (the arbiter's write, see
 * releaseUpdate), then deletes its record, which tells the placement released whole. Undefined when it
 * is not live (released already, or never made).
 */
export async function releasePlacement(
  store: PlacementStore,
  placementId: string,
): Promise<Placement | undefined> {
  const hostId = hostOfPlacement(placementId);
  if (hostId === undefined) return undefined;
  // Twice at most: a migration (migrate.ts) may move the placement's entry between the read and the write.
  for (let attempt = 0; attempt < 2; attempt++) {
    const item = await store.getItem(hostId);
    const entry = item && entriesOf(item).find((live) => live.summary.id === placementId);
    if (!entry) return undefined;
    try {
      await guarded(
        store.documents.send(
          new UpdateCommand(releaseUpdate(store.tables.hosts, hostId, entry.key, entry.summary)),
        ),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) continue;
      throw error;
    }
    // A record that could not be deleted now is swept later (records.ts).
    const { Attributes } = await guarded(
      store.documents.send(
        new DeleteCommand({
          TableName: store.tables.placements,
          Key: { host_id: hostId, id: placementId },
          ReturnValues: "ALL_OLD",
        }),
      ),
    ).catch(() => ({ Attributes: undefined }));
    if (entry.whole) return entry.whole;
    return Attributes
      ? toPlacement(placementId, hostId, Attributes as PlacementItem)
      : withoutRecord(hostId, entry.summary);
  }
  return undefined;
}
