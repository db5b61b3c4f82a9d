import { PRODUCT_BYTES } from "./item-size.js";

/**
 * The model of AWS the simulation runs in (virtual time, milliseconds; sizes in bytes). Round trips and
 * scan speed are typical same-region figures; the rest is DynamoDB's and Lambda's documented accounting,
 * cited where it is used. Stated here so that the projection can be redone with other figures.
 */
export const AWS_MODEL = {
  /** Lambda → DynamoDB → Lambda for one small request (GetItem, PutItem, one Query page). */
  readRoundTripMs: 4,
  /** A Scan or Query page is at most 1 MB; a page takes about this long. */
  scanPageMs: 15,
  /**
   * How far a global secondary index is behind its table. AWS: "changes to the table data are propagated
   * to the global secondary indexes within a fraction of a second, under normal conditions"
   * (DynamoDB Developer Guide, "Global secondary indexes: reading data"); tens to hundreds of ms.
   */
  gsiLagMs: 100,
  /** Commit attempts per request before a 503 (the product's default). */
  maxAttempts: 5,
  /** Share of the cluster's cpu kept reserved: past it, the oldest placement is released. */
  occupancy: 0.6,
  /** Lambda gives a function one vCPU at 1,769 MB: the scheduler's 512 MB run CPU work this much slower. */
  lambdaCpuFactor: 1769 / 512,
  lambdaMemoryGb: 0.5,
  /**
   * DynamoDB serves about 1,000 write units per second on one partition, hence on one item (and on one
   * partition key value of an index). Developer Guide, "Partitions and data distribution".
   */
  itemWritesPerSecond: 1000,
  /** On-demand default quota per table: read and write request units per second (Service Quotas). */
  tableUnitsPerSecondQuota: 40_000,
  /** On-demand prices (us-east-1): per million write and read request units, per million requests, per GB-s (arm64). */
  pricePerMillionWrites: 0.625,
  pricePerMillionReads: 0.125,
  pricePerMillionInvocations: 0.2,
  pricePerGbSecond: 0.0000133334,
  /**
   * Item sizes as DynamoDB counts them (attribute names plus values). A fat host item (Citadel before
   * placement records): the host's fields, and each placement with its request echo. The product's host
   * item, each live placement's entry in it and a placement's record are measured on the product's own
   * items (item-size.ts): a host's engine and health stay in its item, its events are items of their own. An index entry
   * projecting what deciding needs: id, address, status, labels, the free counters and the placement count.
   */
  bytes: {
    fatHost: 400,
    fatPlacement: 220,
    slimHost: PRODUCT_BYTES.host,
    slimEntry: PRODUCT_BYTES.entry,
    record: PRODUCT_BYTES.record,
    projected: 150,
  },
};

/**
 * Read units of reading `bytes` of items: 4 KB per unit strongly consistent, half that eventually
 * consistent (a Scan or Query sums the items it reads before rounding up). Developer Guide, "Read/write
 * capacity mode: read request units".
 */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.ceil(bytes / 4096);
  return consistent ? units : units / 2;
}

/**
 * Write units of writing an item: 1 KB per unit, of the larger of the item before and after (UpdateItem);
 * twice that inside a transaction. Developer Guide, "Write request units" and "Capacity management for
 * transactions".
 */
export function writeUnits(bytesBefore: number, bytesAfter: number, transactional = false): number {
  return Math.ceil(Math.max(bytesBefore, bytesAfter, 1) / 1024) * (transactional ? 2 : 1);
}
