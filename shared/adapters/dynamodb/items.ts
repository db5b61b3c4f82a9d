import type { GpuDevices, GpuGrant } from "../../core/gpus.js";
import type { EngineState, Host, HostEvent, HostHealth } from "../../core/host.js";
import { type Placement, type PlacementSummary, summaryOf } from "../../core/placement.js";
import {
  DEFAULT_PORT_RANGE,
  type PortMapping,
  portRangeSchema,
  rangeText,
  takenKeys,
} from "../../core/ports.js";
import type { IdempotencyRecord } from "../../core/registry.js";
import {
  type Amounts,
  amounts,
  type Capacity,
  capacity,
  freeCounters,
  freeOf,
  RESOURCES,
  sharedCapacity,
} from "../../core/resources.js";
import type { VolumeMount } from "../../core/volumes.js";
import { entryKey, OPTIONAL, type PlacementEntry, summaryOfEntry, toEntry } from "./entries.js";
import { sharesItem } from "./gpus.js";

// How hosts, placements and idempotency records are stored in DynamoDB items, and read back.

/**
 * A placement as versions before placement records kept it in its host's map, keyed by its whole id.
 * Still read (and released) as it is; `npm run migrate` moves such entries to records.
 */
export interface WholeEntry extends Partial<Amounts> {
  ports?: PortMapping[];
  volumes?: VolumeMount[];
  gpus?: GpuGrant;
  image: string;
  cpu: number;
  memory: number;
  scheduler: string;
  created_at: string;
  /** The request exactly as sent, as JSON: DynamoDB would otherwise turn "0.2" and 0.2 alike. */
  container: string;
  owner?: string;
}

/** A placement's record in the placements table (key `host_id`, `id`). */
export interface PlacementItem extends WholeEntry {
  host_id: string;
  id: string;
  /**
   * When the record was put (epoch ms): the sweep judges a record's age by it, not by its placement's
   * `created_at` (a run-mode replay re-reserves a placement made long ago).
   */
  put_at: number;
}

/**
 * A host item: what deciding and committing need; of each counted resource `free_<name>`, `total_<name>`
 * and `declared_<name>` (see resources.ts). Unknown totals are absent attributes, so a condition
 * can say `attribute_not_exists`; a resource not every request asks for has no `free_` attribute until
 * the host has some of it. What a refresh observes each round (engine, health) is the host's
 * ObservationItem: written without touching this item, which every commit writes (and pays for by size).
 */
export interface HostItem {
  id: string;
  addr: string;
  labels: Record<string, string>;
  status: Host["status"];
  status_reason: string;
  /** Epoch ms (8 bytes where an ISO string is 24); ISO strings from versions before are still read. */
  status_changed_at: number | string;
  tls: boolean;
  [counter: `${"free" | "total" | "declared"}_${string}`]: number | undefined;
  placements: Record<string, PlacementEntry | WholeEntry>;
  /**
   * What running containers Citadel did not place take, as the free counters subtract it: kept here, so
   * that a change's delta and what it subtracts are written together (see freeDelta). Null or absent
   * when none (and before the engine was first seen).
   */
  unmanaged?: EngineState["unmanaged"] | null;
  /** Host ports unmanaged containers publish (a string set; null or absent when none). */
  unmanaged_ports?: Set<string> | null;
  /** The named volumes the refresh found (a string set of at most MAX_HOST_VOLUMES; null or absent when none). */
  volumes?: Set<string> | null;
  /**
   * The host ports its placements hold (`8080/tcp`, a string set; absent when none): what a commit's
   * condition checks a port against, kept beside the entries that hold them in the same writes.
   */
  taken_ports?: Set<string>;
  /** `low-high`; null or absent for the default range. */
  port_range?: string | null;
  /** Its GPU devices as declared; null or absent when none. */
  gpus?: GpuDevices | null;
  /** What each GPU device has reserved (thousandths by device id; see gpus.ts); absent without devices. */
  gpu_shares?: Record<string, number>;
  /** Versions before observations kept the engine and health here: still read (see toHost, migrate.ts). */
  engine?: EngineState;
  health?: HostHealth;
  /** Versions before the events table kept a host's last events here: still read (see events.ts). */
  events?: HostEvent[];
  /** Epoch ms, as `status_changed_at`. */
  created_at: number | string;
  updated_at: number | string;
  /** Absent on items written before versions: read as 0. */
  version?: number;
}

/** What the last refresh observed of a host, in the observations table (key `id`). */
export interface ObservationItem {
  id: string;
  /** The engine as reported, without the unmanaged use (the host item's). Absent before it answered. */
  engine?: Omit<EngineState, "unmanaged">;
  health: HostHealth;
}

/** A whole entry's or a record's amounts (attributes named as the resources). */
function amountsOfItem(entry: WholeEntry): Amounts {
  return amounts(Object.fromEntries(RESOURCES.map(({ name }) => [name, entry[name] ?? 0])));
}

/** A placement as its record, put at `putAt` (epoch ms). */
export function toPlacementItem(placement: Placement, putAt: number): PlacementItem {
  return {
    host_id: placement.hostId,
    id: placement.id,
    put_at: putAt,
    image: placement.image,
    cpu: placement.amounts.cpu,
    memory: placement.amounts.memory,
    ...Object.fromEntries(
      OPTIONAL.filter(({ name }) => placement.amounts[name] !== 0).map(({ name }) => [
        name,
        placement.amounts[name],
      ]),
    ),
    ...(placement.ports && { ports: placement.ports }),
    ...(placement.volumes && { volumes: placement.volumes }),
    ...(placement.gpus && { gpus: placement.gpus }),
    scheduler: placement.scheduler,
    created_at: placement.createdAt,
    container: JSON.stringify(placement.container),
    ...(placement.owner !== undefined && { owner: placement.owner }),
  };
}

/** A placement record, or a whole entry of an earlier version's host item, as a placement. */
export function toPlacement(id: string, hostId: string, entry: WholeEntry): Placement {
  return {
    id,
    hostId,
    image: entry.image,
    amounts: amountsOfItem(entry),
    ...(entry.ports && { ports: entry.ports }),
    ...(entry.volumes && { volumes: entry.volumes }),
    ...(entry.gpus && { gpus: entry.gpus }),
    scheduler: entry.scheduler,
    createdAt: entry.created_at,
    container: JSON.parse(entry.container),
    ...(entry.owner !== undefined && { owner: entry.owner }),
  };
}

/**
 * The live placements of a host item, summarised, with their keys in its map. A whole entry (an
 * earlier version's) is read as the placement it is: `whole` tells it apart.
 */
export function entriesOf(item: HostItem): { key: string; summary: PlacementSummary; whole?: Placement }[] {
  return Object.entries(item.placements ?? {}).map(([key, entry]) => {
    if (typeof entry !== "string") {
      const whole = toPlacement(key, item.id, entry);
      return { key, summary: summaryOf(whole), whole };
    }
    return { key, summary: summaryOfEntry(`${item.id}.${key}`, key, entry) };
  });
}

/** A host as its item. */
export function toItem(host: Host): HostItem {
  const taken = host.placements.flatMap((placement) => takenKeys(placement.ports ?? []));
  const shares = sharesItem(host);
  return {
    id: host.id,
    addr: host.addr,
    labels: host.labels,
    status: host.status,
    status_reason: host.statusReason,
    status_changed_at: Date.parse(host.statusChangedAt),
    tls: host.tls,
    ...countersOf(host),
    placements: Object.fromEntries(
      host.placements.map((placement) => [entryKey(placement.id), toEntry(placement)]),
    ),
    ...(host.engine && host.engine.unmanaged.containers > 0 && { unmanaged: host.engine.unmanaged }),
    ...(host.unmanagedPorts.length > 0 && { unmanaged_ports: new Set(host.unmanagedPorts) }),
    ...(host.volumes.length > 0 && { volumes: new Set(host.volumes) }),
    ...(taken.length > 0 && { taken_ports: new Set(taken) }),
    ...(rangeText(host.portRange) !== rangeText(DEFAULT_PORT_RANGE) && {
      port_range: rangeText(host.portRange),
    }),
    ...(host.gpus && { gpus: host.gpus }),
    ...(shares && { gpu_shares: shares }),
    created_at: Date.parse(host.createdAt),
    updated_at: Date.parse(host.updatedAt),
    version: host.version,
  };
}

/** What a refresh observed of a host, as its observation item. */
export function toObservation(host: Host): ObservationItem {
  if (!host.engine) return { id: host.id, health: host.health };
  // The unmanaged use is the host item's (toItem).
  const { unmanaged: _counted, ...engine } = host.engine;
  return { id: host.id, engine, health: host.health };
}

/**
 * A host item (or a condition's ALL_OLD, unmarshalled) as a host, with its observation when read (a
 * scheduler's slices leave it out: deciding needs none of it). An item an earlier version wrote keeps
 * its engine and health inside, read when the host has no observation item yet.
 */
export function toHost(item: HostItem, observation?: ObservationItem): Host {
  const seen = observation ? observation.engine : item.engine;
  const unmanaged = item.unmanaged ?? item.engine?.unmanaged ?? { cpuMilli: 0, memory: 0, containers: 0 };
  const free = freeCounters(
    amounts(Object.fromEntries(RESOURCES.map(({ name }) => [name, item[`free_${name}`] ?? 0]))),
  );
  return {
    id: item.id,
    addr: item.addr,
    labels: item.labels ?? {},
    status: item.status,
    statusReason: item.status_reason,
    statusChangedAt: isoOf(item.status_changed_at),
    tls: item.tls ?? false,
    total: capacityOfItem(item, "total"),
    declared: capacityOfItem(item, "declared"),
    // Named, not spread in: every field inside the host object (see newHost).
    freeCpu: free.freeCpu,
    freeMemory: free.freeMemory,
    freeDisk: free.freeDisk,
    engine: seen ? { ...seen, unmanaged } : null,
    health: observation?.health ?? item.health ?? { failures: 0, lastProbeAt: null, lastError: null },
    events: item.events ?? [],
    placements: entriesOf(item)
      .map((entry) => entry.summary)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)),
    createdAt: isoOf(item.created_at),
    updatedAt: isoOf(item.updated_at),
    portRange: item.port_range ? portRangeSchema.parse(item.port_range) : DEFAULT_PORT_RANGE,
    unmanagedPorts: [...(item.unmanaged_ports ?? [])].sort(),
    volumes: [...(item.volumes ?? [])].sort(),
    gpus: item.gpus ?? null,
    version: item.version ?? 0,
  };
}

/**
 * A host's counters as its item's attributes: `free_<name>` of every resource a request always asks for,
 * and of the others once the host has some; `total_`/`declared_` when known.
 */
function countersOf(host: Host): Record<string, number> {
  const counters: Record<string, number> = {};
  const free = freeOf(host);
  for (const { name, required } of RESOURCES) {
    const total = host.total[name];
    const declared = host.declared[name];
    if (total !== null) counters[`total_${name}`] = total;
    if (declared !== null) counters[`declared_${name}`] = declared;
    if (required || total !== null || free[name] !== 0) counters[`free_${name}`] = free[name];
  }
  return counters;
}

/** A host item's totals or declared totals (absent attributes are unknown). */
function capacityOfItem(item: HostItem, kind: "total" | "declared"): Capacity {
  const known = capacity();
  for (const { name } of RESOURCES) known[name] = item[`${kind}_${name}`] ?? null;
  return sharedCapacity(known);
}

/** A host item's time (epoch ms, or an ISO string of a version before) as an ISO string. */
function isoOf(time: number | string): string {
  return typeof time === "number" ? new Date(time).toISOString() : time;
}

/** An idempotency record item as a record. */
export function toRecord(item: Record<string, unknown>): IdempotencyRecord {
  return {
    key: String(item.key),
    fingerprint: String(item.fingerprint),
    outcome: String(item.outcome) as IdempotencyRecord["outcome"],
    answer: JSON.parse(String(item.answer)),
    deliveryId: String(item.delivery_id),
    createdAt: Number(item.created_at),
    expiresAt: Number(item.expires_at),
  };
}
