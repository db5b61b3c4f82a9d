import { randomUUID } from "node:crypto";
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { changedHost, changesFor, type Host, type HostChangesOf } from "../../core/host.js";
import {
  cutPage,
  type HostPage,
  idOfPlaced,
  type PlacedOnHost,
  type PlacementPage,
} from "../../core/paging.js";
import type { Placement } from "../../core/placement.js";
import {
  AddrTakenError,
  CapacityBelowReservedError,
  type CommitOutcome,
  type CommitRequest,
  HostBusyError,
  HostExistsError,
  HostNotFoundError,
  type IdempotencyRecord,
  type Registry,
} from "../../core/registry.js";
import { type CommitStore, commitPlacement } from "./commit.js";
import { cancelled, guarded } from "./errors.js";
import { hostChange, hostDeletion } from "./host-writes.js";
import { takeKey } from "./idempotency.js";
import { type HostItem, toHost, toItem, toRecord } from "./items.js";
import { hostScanner, listed, type ScanHosts, scanHostPage, scanPlacementPage } from "./pages.js";
import { type PlacementStore, readPlacement, releasePlacement } from "./placements.js";
import { readWhole, STRAY_AGE_MS, sweepRecords } from "./records.js";
import type { TableNames } from "./tables.js";

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

  /** The host's item and its address's claim, in one transaction: one engine is one host, even in a race. */
  async addHost(host: Host): Promise<void> {
    try {
      await guarded(
        this.documents.send(
          new TransactWriteCommand({
            // One token per registration: an SDK retry of a transaction that landed is not refused as a duplicate.
            ClientRequestToken: randomUUID(),
            TransactItems: [
              {
                Put: {
                  TableName: this.tables.hosts,
                  Item: toItem(host),
                  ConditionExpression: "attribute_not_exists(id)",
                },
              },
              {
                Put: {
                  TableName: this.tables.addresses,
                  Item: { addr: host.addr, host_id: host.id },
                  ConditionExpression: "attribute_not_exists(#addr)",
                  ExpressionAttributeNames: { "#addr": "addr" },
                  ReturnValuesOnConditionCheckFailure: "ALL_OLD",
                },
              },
            ],
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [hostReason, claimReason] = error.CancellationReasons ?? [];
      if (hostReason?.Code === "ConditionalCheckFailed") throw new HostExistsError(host.id);
      if (claimReason?.Code === "ConditionalCheckFailed") {
        const claim = claimReason.Item && unmarshall(claimReason.Item);
        throw new AddrTakenError(host.addr, String(claim?.host_id ?? "unknown"));
      }
      throw cancelled(error);
    }
  }

  async getHost(id: string): Promise<Host | undefined> {
    const item = await this.getItem(id);
    return item && toHost(item);
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

  /** Every host: a consistent parallel Scan, since a large table takes one 1 MB page after another. */
  async listHosts(): Promise<Host[]> {
    const segments = await Promise.all(
      Array.from({ length: SCAN_SEGMENTS }, (_, segment) => this.sliceHosts(segment, SCAN_SEGMENTS)),
    );
    return segments.flat();
  }

  /** One segment of a consistent parallel Scan: DynamoDB cuts segments by a hash of the key. */
  async sliceHosts(segment: number, segments: number): Promise<Host[]> {
    const hosts: Host[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await guarded(
        this.documents.send(
          new ScanCommand({
            TableName: this.tables.hosts,
            ConsistentRead: true,
            Segment: segment,
            TotalSegments: segments,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) hosts.push(toHost(item as HostItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return hosts;
  }

  /** Hosts in the Scan's order; see scanHostPage. */
  pageHosts(limit: number, after?: string): Promise<HostPage> {
    return scanHostPage(this.scanHosts, limit, after);
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

  async changeHost(id: string, of: HostChangesOf, now: Date): Promise<Host> {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const host = await this.getHost(id);
      if (!host) throw new HostNotFoundError(id);
      const changes = changesFor(host, of);
      const changed = changedHost(host, changes, now);
      if (!changed) throw new CapacityBelowReservedError(id);
      try {
        const { Attributes } = await guarded(
          this.documents.send(new UpdateCommand(hostChange(this.tables.hosts, host, changes, changed))),
        );
        return toHost(Attributes as HostItem);
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

  /** Removes the host (see deleteHost), then its placements' records. */
  async removeHost(id: string, force: boolean): Promise<boolean> {
    const removed = await this.deleteHost(id, force);
    if (removed) await sweepRecords(this.arbiter, id, new Set(), new Date(8.64e15));
    return removed;
  }

  /** The host's item and its address's claim, in one transaction, so a removed host frees its address. */
  private async deleteHost(id: string, force: boolean): Promise<boolean> {
    const host = await this.getHost(id);
    if (!host) return false;
    if (!force && host.placements.length > 0) throw new HostBusyError(id, host.placements.length);
    try {
      await guarded(
        this.documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  ...hostDeletion(this.tables.hosts, id, force),
                  ReturnValuesOnConditionCheckFailure: "ALL_OLD",
                },
              },
              {
                Delete: {
                  TableName: this.tables.addresses,
                  Key: { addr: host.addr },
                  ConditionExpression: "attribute_not_exists(#addr) OR #host = :id",
                  ExpressionAttributeNames: { "#addr": "addr", "#host": "host_id" },
                  ExpressionAttributeValues: { ":id": id },
                },
              },
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [hostReason, claimReason] = error.CancellationReasons ?? [];
      if (hostReason?.Code === "ConditionalCheckFailed") {
        if (!hostReason.Item) return false;
        throw new HostBusyError(id, toHost(unmarshall(hostReason.Item) as HostItem).placements.length);
      }
      // A host registered before addresses were claimed, whose address another host claimed since:
      // that claim is the other host's to keep.
      if (claimReason?.Code === "ConditionalCheckFailed") return this.removeHostItem(id, force);
      throw cancelled(error);
    }
  }

  /** Removes the host's item alone (see removeHost). */
  private async removeHostItem(id: string, force: boolean): Promise<boolean> {
    try {
      await guarded(
        this.documents.send(
          new DeleteCommand({
            ...hostDeletion(this.tables.hosts, id, force),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) return false;
      const host = toHost(unmarshall(error.Item) as HostItem);
      throw new HostBusyError(id, host.placements.length);
    }
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
    const live = new Set(host.placements.map((placement) => placement.id));
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
