import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { HOST_EVENTS_KEPT, type Host, withoutEvents } from "../../core/host.js";
import { addedEvents, changedHost, changesFor, type HostChangesOf } from "../../core/host-changes.js";
import {
  cutPage,
  type HostPage,
  idOfPlaced,
  type PlacedOnHost,
  type PlacementPage,
} from "../../core/paging.js";
import type { Placement } from "../../core/placement.js";
import {
  CapacityBelowReservedError,
  type CommitOutcome,
  type CommitRequest,
  HostNotFoundError,
  type IdempotencyRecord,
  type Registry,
} from "../../core/registry.js";
import { type CommitStore, commitPlacement } from "./commit.js";
import { guarded } from "./errors.js";
import { lastEvents, putEvents } from "./events.js";
import { hostChange } from "./host-writes.js";
import { takeKey } from "./idempotency.js";
import { entriesOf, type HostItem, toHost, toRecord } from "./items.js";
import { putObservation, readObservation, scanObservations, withObservations } from "./observations.js";
import { hostScanner, listed, type ScanHosts, scanHostPage, scanPlacementPage } from "./pages.js";
import { type PlacementStore, readPlacement, releasePlacement } from "./placements.js";
import { scanSegment } from "./reads.js";
import { readWhole, STRAY_AGE_MS, sweepRecords } from "./records.js";
import { deregisterHost, registerHost } from "./registration.js";
import type { TableNames } from "./tables.js";

/** Whether an item an earlier version wrote still keeps its engine and health: a change moves them out. */
function hasEarlierObservation(item: HostItem): boolean {
  return item.engine !== undefined || item.health !== undefined;
}

/** How often a host change is retried when a concurrent change moved the host under it. */
const CHANGE_ATTEMPTS = 5;

/**
 * Segments of the hosts Scan, read in parallel: a snapshot of 10,000 hosts holding their placements is
 * tens of 1 MB pages, which one sequential Scan reads in over a second (the simulation in BENCHMARKS.md, section 5).
 */
export const SCAN_SEGMENTS = 8;

/**
 * The registry in DynamoDB. A host is one item holding its free counters and its live placements; a
 * commit is one conditional write on it, kept in commit.ts (the arbiter). This class registers, changes
 * and removes hosts, reads them, and records idempotency keys.
 */
export class DynamoDbRegistry implements Registry {
  private readonly documents: DynamoDBDocumentClient;
  /** One Scan call of a page of hosts (see pages.ts). */
  private readonly scanHosts: ScanHosts;
  /** What the arbiter needs of this registry (see commit.ts). */
  private readonly arbiter: CommitStore;
  /** What reading and releasing placements needs (see placements.ts). */
  private readonly placementStore: PlacementStore;

  constructor(
    client: DynamoDBClient,
    private readonly tables: TableNames,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.scanHosts = hostScanner(this.documents, tables.hosts);
    this.arbiter = {
      documents: this.documents,
      tables,
      findRecord: (key, nowSeconds) => this.findIdempotencyRecord(key, nowSeconds),
    };
    this.placementStore = { documents: this.documents, tables, getItem: (id) => this.getItem(id) };
  }

  /** See registerHost (registration.ts). */
  addHost(host: Host): Promise<void> {
    return registerHost(this.arbiter, host);
  }

  /** The host's item, its observation and its last events, read together. */
  async getHost(id: string): Promise<Host | undefined> {
    const [item, observation, events] = await Promise.all([
      this.getItem(id),
      readObservation(this.arbiter, id),
      lastEvents(this.arbiter, id),
    ]);
    if (!item) return undefined;
    const host = toHost(item, observation);
    // An item an earlier version wrote may hold events of its own: older than the table's.
    return { ...host, events: [...host.events, ...events].slice(-HOST_EVENTS_KEPT) };
  }

  /** A host's item, read consistently. */
  private async getItem(id: string): Promise<HostItem | undefined> {
    const { Item } = await guarded(
      this.documents.send(
        new GetCommand({ TableName: this.tables.hosts, Key: { id }, ConsistentRead: true }),
      ),
    );
    return Item as HostItem | undefined;
  }

  /**
   * Every host with its observation: consistent parallel Scans of both tables, since a large table takes
   * one 1 MB page after another.
   */
  async listHosts(): Promise<Host[]> {
    const [segments, observations] = await Promise.all([
      Promise.all(
        Array.from({ length: SCAN_SEGMENTS }, (_, segment) => this.scanItems(segment, SCAN_SEGMENTS)),
      ),
      scanObservations(this.arbiter, SCAN_SEGMENTS),
    ]);
    return segments.flat().map((item) => withoutEvents(toHost(item, observations.get(item.id))));
  }

  /**
   * One segment of a consistent parallel Scan (DynamoDB cuts segments by a hash of the key), without
   * the hosts' observations: a scheduler's slice, for deciding, which needs none of them.
   */
  async sliceHosts(segment: number, segments: number): Promise<Host[]> {
    return (await this.scanItems(segment, segments)).map((item) => withoutEvents(toHost(item)));
  }

  private async scanItems(segment: number, segments: number): Promise<HostItem[]> {
    return (await scanSegment(this.documents, this.tables.hosts, segment, segments)) as unknown as HostItem[];
  }

  /** Hosts in the Scan's order, with their observations; see scanHostPage. */
  pageHosts(limit: number, after?: string): Promise<HostPage> {
    return scanHostPage(this.scanHosts, limit, after, (items) => withObservations(this.arbiter, items));
  }

  /** Placements host by host in the Scan's order (see scanPlacementPage), then read whole. */
  async pagePlacements(limit: number, after?: string): Promise<PlacementPage> {
    const page = await scanPlacementPage(this.scanHosts, (id) => this.getItem(id), limit, after);
    return { placements: await readWhole(this.arbiter, page.placements), next: page.next };
  }

  async pageHostPlacements(
    hostId: string,
    limit: number,
    after?: string,
  ): Promise<PlacementPage | undefined> {
    const item = await this.getItem(hostId);
    if (!item) return undefined;
    const page = cutPage(listed(item, after), limit, idOfPlaced);
    return { placements: await readWhole(this.arbiter, page.items), next: page.next };
  }

  /** The host's item and the placement's record, read together (see placements.ts). */
  getPlacement(id: string): Promise<PlacedOnHost | undefined> {
    return readPlacement(this.placementStore, id);
  }

  /**
   * Changes the host's item under its version (host-writes.ts) unless the change observes only, then
   * writes its observation when the change has one (observations.ts), then adds the events the change
   * made to the events table; it returns the host with those events (getHost reads its last ones).
   */
  async changeHost(id: string, of: HostChangesOf, now: Date): Promise<Host> {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const [item, observation] = await Promise.all([this.getItem(id), readObservation(this.arbiter, id)]);
      if (!item) throw new HostNotFoundError(id);
      const host = toHost(item, observation);
      const changes = changesFor(host, of);
      const changed = changedHost(host, changes, now);
      if (!changed) throw new CapacityBelowReservedError(id);
      try {
        let written = changed;
        if (changed.version !== host.version || hasEarlierObservation(item)) {
          const { Attributes } = await guarded(
            this.documents.send(new UpdateCommand(hostChange(this.tables.hosts, host, changes, changed))),
          );
          written = { ...toHost(Attributes as HostItem), engine: changed.engine, health: changed.health };
        }
        if (changes.engine || changes.health) await putObservation(this.arbiter, written);
        const added = addedEvents(host, changes, now);
        // History, not state: an event that could not be written is no reason to fail a change that landed.
        await putEvents(this.arbiter, id, added).catch(() => undefined);
        return { ...written, events: [...host.events, ...added].slice(-HOST_EVENTS_KEPT) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const latest = error.Item && toHost(unmarshall(error.Item) as HostItem);
        if (!latest) throw new HostNotFoundError(id);
        // Same version: the host did not move, so the free counters' condition failed.
        if (latest.version === host.version) throw new CapacityBelowReservedError(id);
      }
    }
    throw new Error(`host ${id} kept changing under ${CHANGE_ATTEMPTS} attempts to change it`);
  }

  /** See deregisterHost (registration.ts). */
  removeHost(id: string, force: boolean): Promise<boolean> {
    return deregisterHost({ ...this.arbiter, getItem: (hostId) => this.getItem(hostId) }, id, force);
  }

  async commit(request: CommitRequest): Promise<CommitOutcome> {
    return commitPlacement(this.arbiter, request);
  }

  /** Credits the placement back to its host, then deletes its record (see placements.ts). */
  release(placementId: string): Promise<Placement | undefined> {
    return releasePlacement(this.placementStore, placementId);
  }

  /** Deletes the records left by failed commits on a host (see records.ts); returns how many. */
  async sweep(host: Host, now: Date): Promise<number> {
    const live = async () => {
      const item = await this.getItem(host.id);
      return new Set(item ? entriesOf(item).map((entry) => entry.summary.id) : []);
    };
    return sweepRecords(this.arbiter, host.id, live, new Date(now.getTime() - STRAY_AGE_MS));
  }

  async recordRefusal(record: IdempotencyRecord): Promise<IdempotencyRecord | undefined> {
    const put = {
      ...takeKey(this.tables.requests, record),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    };
    try {
      await guarded(this.documents.send(new PutCommand(put)));
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item
        ? toRecord(unmarshall(error.Item))
        : this.findIdempotencyRecord(record.key, record.createdAt);
    }
  }

  async findIdempotencyRecord(key: string, nowSeconds: number): Promise<IdempotencyRecord | undefined> {
    const { Item } = await guarded(
      this.documents.send(
        new GetCommand({ TableName: this.tables.requests, Key: { key }, ConsistentRead: true }),
      ),
    );
    const record = Item && toRecord(Item);
    return record && record.expiresAt >= nowSeconds ? record : undefined;
  }
}
