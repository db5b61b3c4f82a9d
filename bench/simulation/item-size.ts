import { entryKey, toEntry } from "../../shared/adapters/dynamodb/entries.js";
import { toItem, toPlacementItem } from "../../shared/adapters/dynamodb/items.js";
import { newHost } from "../../shared/core/host.js";
import { newPlacementId, type Placement, summaryOf } from "../../shared/core/placement.js";
import { amounts } from "../../shared/core/resources.js";

// The simulation's item sizes, taken from the product's own items (shared/adapters/dynamodb/items.ts)
// as DynamoDB counts them, so that they follow the code rather than a guess.

/**
 * Bytes of a value as DynamoDB counts them (Developer Guide, "Item sizes and formats"): a string its
 * UTF-8 length; a number about 1 byte per two significant digits plus 1; null and booleans 1; a map or
 * a list 3 bytes plus 1 per element and its elements (a map's keys counted as names).
 */
export function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number")
    return Math.ceil(String(Math.abs(value)).replace(/[.-]|^0+|0+$/g, "").length / 2) + 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, one) => sum + 1 + valueBytes(one), 0);
  return (
    3 +
    Object.entries(value).reduce((sum, [name, one]) => sum + 1 + Buffer.byteLength(name) + valueBytes(one), 0)
  );
}

/** Bytes of an item: its attributes' names and values. */
export function itemBytes(item: object): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value),
    0,
  );
}

const at = new Date("2026-11-27T00:00:00.000Z");

/**
 * A host as a cluster's would be after a while: two labels, its engine seen, running one container
 * Citadel did not place (a monitoring agent, as most fleets run: the item then keeps its use). Its
 * engine and health are its observation and its events items of their own: neither is in its item.
 */
function seasonedHost() {
  const host = newHost(
    {
      addr: "10.0.12.34:2376",
      id: "ip-10-0-12-34",
      labels: { zone: "us-east-1a", rack: "r12" },
      total_cpus: 64_000,
      total_memory: 262_144,
    },
    at,
  );
  host.engine = {
    id: "ABCD:EFGH:IJKL:MNOP:QRST:UVWX:YZ01:2345:6789:ABCD:EFGH:IJKL",
    version: "26.1.5",
    cpuMilli: 64_000,
    memory: 262_144,
    unmanaged: { cpuMilli: 250, memory: 256, containers: 1 },
    used: { cpuMilli: 31_250, memory: 120_832 },
    observedAt: at.toISOString(),
  };
  host.health = { failures: 0, lastProbeAt: at.toISOString(), lastError: null };
  return host;
}

/** A placement of the seed's request, by a caller whose digest is its owner. */
function seedPlacement(): Placement {
  return {
    id: newPlacementId("ip-10-0-12-34", at),
    hostId: "ip-10-0-12-34",
    image: "crosbymichael/redis",
    amounts: amounts({ cpu: 1250, memory: 2560 }),
    scheduler: "batch",
    createdAt: at.toISOString(),
    container: { image: "crosbymichael/redis", cpus: "1.25", memory: 2560, type: "batch" },
    owner: "x".repeat(43),
  };
}

const placement = seedPlacement();

/** The product's item sizes: a host item without placements, one placement's entry in it, its record. */
export const PRODUCT_BYTES = {
  host: itemBytes(toItem(seasonedHost())),
  entry: 1 + Buffer.byteLength(entryKey(placement.id)) + valueBytes(toEntry(summaryOf(placement))),
  record: itemBytes(toPlacementItem(placement, at.getTime())),
};
