import type { Host } from "../../shared/core/host.js";
import { SLICE_HOSTS } from "../../shared/core/snapshot.js";
import { AWS_MODEL, writeUnits } from "./model.js";

/** How the arbiter stores hosts and placements: what a host item weighs and what a commit or release writes. */
export interface StorageDesign {
  key: string;
  name: string;
  /** Bytes of a host's item in the table. */
  itemBytes: (host: Host) => number;
  /** Write units of one commit or release on the host item, given the item before and after it. */
  hostWriteUnits: (before: Host, after: Host) => number;
  /** Units spent outside the host item: per commit attempt, per failed attempt, per release. */
  aside: { attemptWrites: number; conflictWrites: number; releaseWrites: number; releaseReads: number };
  commitRoundTripMs: number;
  /** Whether a successful commit returns the host (`ALL_NEW`); a transaction returns nothing. */
  answersHost: boolean;
  /** Whether a read of the host item gives its placements (else counters and per-placement sizes only). */
  holdsPlacements: boolean;
}

const { bytes } = AWS_MODEL;
const fatBytes = (host: Host) => bytes.fatHost + host.placements.length * bytes.fatPlacement;
const slimBytes = (host: Host) => bytes.slimHost + host.placements.length * bytes.slimEntry;
const noAside = { attemptWrites: 0, conflictWrites: 0, releaseWrites: 0, releaseReads: 0 };

/** Today's host item: every placement in it, with its request echo (one conditional UpdateItem). */
export const FAT_HOST: StorageDesign = {
  key: "fat",
  name: "placements in the host item",
  itemBytes: fatBytes,
  hostWriteUnits: (before, after) => writeUnits(fatBytes(before), fatBytes(after)),
  aside: noAside,
  commitRoundTripMs: 6,
  answersHost: true,
  holdsPlacements: true,
};

/**
 * Placements as items of their own: a commit is a transaction (host counters and per-image counts, and
 * the placement's item), and so is a release; each item's units count twice.
 */
export const PLACEMENT_ITEMS: StorageDesign = {
  key: "items",
  name: "placements as items (transactions)",
  itemBytes: (host) =>
    bytes.fatHost + 40 * new Set(host.placements.map((placement) => placement.imageTag)).size,
  hostWriteUnits: (before, after) =>
    writeUnits(PLACEMENT_ITEMS.itemBytes(before), PLACEMENT_ITEMS.itemBytes(after), true) +
    writeUnits(bytes.record, bytes.record, true),
  aside: noAside,
  commitRoundTripMs: 12,
  answersHost: false,
  holdsPlacements: false,
};

/**
 * Citadel's host item (counters, status, labels, engine, health, events, and a short entry per live
 * placement: its size, time and image) and each placement's record in a table of its own. The record is put first (`attribute_not_exists`), then the
 * host item is the one conditional write that reserves: a record without its map entry holds no capacity
 * (it is deleted after a failed commit, or swept), so no order of crashes leaks or loses capacity. A
 * release reads the record (its owner), removes the map entry crediting the entry's own size
 * (condition: the entry exists), then deletes the record.
 */
export const SLIM_HOST: StorageDesign = {
  key: "slim",
  name: "host item with placement entries + placement records",
  itemBytes: slimBytes,
  hostWriteUnits: (before, after) => writeUnits(slimBytes(before), slimBytes(after)),
  aside: {
    attemptWrites: writeUnits(bytes.record, bytes.record),
    conflictWrites: writeUnits(bytes.record, bytes.record),
    releaseWrites: writeUnits(bytes.record, bytes.record),
    releaseReads: 1,
  },
  // The record's PutItem, then the host's UpdateItem.
  commitRoundTripMs: 12,
  answersHost: true,
  holdsPlacements: true,
};

/** How a scheduler's snapshot reads the hosts. */
export interface SnapshotStrategy {
  key: string;
  name: string;
  /**
   * Whether reads go to a global secondary index projecting only what deciding needs (eventually
   * consistent, `AWS_MODEL.gsiLagMs` behind) rather than to the table's items (strongly consistent).
   */
  index: boolean;
  /**
   * all: every host at each read (a Scan in `SCAN_SEGMENTS` parallel segments); slice: one random segment
   * of about SLICE_HOSTS hosts (Sparrow's sampling: each read a different random share of the hosts); changes: every
   * host at the first read, then only the hosts changed since the last (a Query per shard of an index
   * keyed by shard and update time).
   */
  coverage: "all" | "slice" | "changes";
  /** The snapshot's maximum age (the product's is 2 s). */
  maxAgeMs: number;
  /**
   * Index write units per change of a host item: 0 without an index, 1 when the projected attributes
   * change (one entry rewritten), 2 when an index key changes (the old entry deleted and the new put).
   * Developer Guide, "Provisioned throughput considerations for global secondary indexes".
   */
  indexWriteUnits: number;
}

export const FULL_SCAN: SnapshotStrategy = {
  key: "scan",
  name: "consistent Scan of every host item every 2 s",
  index: false,
  coverage: "all",
  maxAgeMs: 2000,
  indexWriteUnits: 0,
};

export const INDEX_SCAN: SnapshotStrategy = {
  key: "gsi",
  name: "Scan of a slim GSI every 0.5 s",
  index: true,
  coverage: "all",
  maxAgeMs: 500,
  indexWriteUnits: 1,
};

/** Shards of the changes index: its partition keys, each taking at most 1,000 write units a second. */
export const CHANGE_SHARDS = 64;

export const CHANGES: SnapshotStrategy = {
  key: "changes",
  name: `Query of hosts changed since the last read (GSI, ${CHANGE_SHARDS} shards) every 0.25 s`,
  index: true,
  coverage: "changes",
  maxAgeMs: 250,
  indexWriteUnits: 2,
};

/**
 * A slice read: one random Scan segment of about SLICE_HOSTS hosts (the product's HostSnapshot picks the
 * count of segments from the cluster's size: 250 at 10,000 hosts). Two schedulers on one slice go for the
 * same fullest host: the conflict rate follows how many others read a scheduler's slice,
 * (schedulers - 1) / segments. Measured at 1,000,000 placements before the product sliced: 80 schedulers
 * on 128 segments conflicted 0.06 a commit; 256 segments of 39 hosts still leave binpack a choice.
 */
export const TABLE_SLICE: SnapshotStrategy = {
  key: "slice",
  name: `consistent Scan of one random segment of about ${SLICE_HOSTS} hosts every 0.5 s`,
  index: false,
  coverage: "slice",
  maxAgeMs: 500,
  indexWriteUnits: 0,
};

export const INDEX_SLICE: SnapshotStrategy = {
  key: "gsi-slice",
  name: `Scan of one random segment of about ${SLICE_HOSTS} hosts of a slim GSI every 0.5 s`,
  index: true,
  coverage: "slice",
  maxAgeMs: 500,
  indexWriteUnits: 1,
};

/** One candidate: a storage, a snapshot strategy, and as many schedulers as it takes. */
export interface Design {
  storage: StorageDesign;
  snapshot: SnapshotStrategy;
  schedulers: number;
  /** The product's design. */
  product?: true;
  /** The product's design before placement records and slices, for comparison. */
  previous?: true;
}

/** A design's short name: `storage/snapshot/schedulers`. */
export const designKey = (design: Design) =>
  `${design.storage.key}/${design.snapshot.key}/${design.schedulers}`;

/** A design's long name. */
export const designName = (design: Design) =>
  `${design.storage.name}; ${design.snapshot.name}; ${design.schedulers} schedulers`;

/** Every candidate, measured side by side; `--sim-designs` picks among them by key. */
export const DESIGNS: Design[] = [
  { storage: FAT_HOST, snapshot: FULL_SCAN, schedulers: 16, previous: true },
  { storage: PLACEMENT_ITEMS, snapshot: FULL_SCAN, schedulers: 16 },
  { storage: SLIM_HOST, snapshot: FULL_SCAN, schedulers: 96 },
  { storage: SLIM_HOST, snapshot: INDEX_SCAN, schedulers: 96 },
  { storage: SLIM_HOST, snapshot: CHANGES, schedulers: 96 },
  { storage: SLIM_HOST, snapshot: INDEX_SLICE, schedulers: 96 },
  { storage: FAT_HOST, snapshot: TABLE_SLICE, schedulers: 96 },
  { storage: PLACEMENT_ITEMS, snapshot: TABLE_SLICE, schedulers: 96 },
  { storage: SLIM_HOST, snapshot: TABLE_SLICE, schedulers: 96, product: true },
];

/** Where `--parts candidates` keeps its last run, for the report to show until the next one. */
export const CANDIDATES_FILE = "bench/simulation/candidates.json";
