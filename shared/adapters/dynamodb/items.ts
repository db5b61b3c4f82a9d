import type { EngineState, Host, HostEvent, HostHealth } from "../../core/host.js";
import type { Placement } from "../../core/placement.js";
import type { IdempotencyRecord } from "../../core/registry.js";

// How hosts, their placements and idempotency records are stored in DynamoDB items, and read back.

/** A placement as stored inside its host's `placements` map (the map key is the placement id). */
export interface PlacementEntry {
  image: string;
  cpu: number;
  memory: number;
  scheduler: string;
  created_at: string;
  /** The request exactly as sent, as JSON: DynamoDB would otherwise turn "0.2" and 0.2 alike. */
  container: string;
  owner?: string;
}

/** A host item. Unknown totals are absent attributes, so a condition can say `attribute_not_exists`. */
export interface HostItem {
  id: string;
  addr: string;
  labels: Record<string, string>;
  status: Host["status"];
  status_reason: string;
  status_changed_at: string;
  tls: boolean;
  total_cpu?: number;
  total_memory?: number;
  declared_cpu?: number;
  declared_memory?: number;
  free_cpu: number;
  free_memory: number;
  placements: Record<string, PlacementEntry>;
  engine?: EngineState;
  health: HostHealth;
  events: HostEvent[];
  created_at: string;
  updated_at: string;
  /** Absent on items written before versions: read as 0. */
  version?: number;
}

/** A placement as its host's `placements` map stores it. */
export function toEntry(placement: Placement): PlacementEntry {
  return {
    image: placement.image,
    cpu: placement.cpuMilli,
    memory: placement.memory,
    scheduler: placement.scheduler,
    created_at: placement.createdAt,
    container: JSON.stringify(placement.container),
    ...(placement.owner !== undefined && { owner: placement.owner }),
  };
}

/** A host as its item. */
export function toItem(host: Host): HostItem {
  return {
    id: host.id,
    addr: host.addr,
    labels: host.labels,
    status: host.status,
    status_reason: host.statusReason,
    status_changed_at: host.statusChangedAt,
    tls: host.tls,
    ...(host.totalCpuMilli !== null && { total_cpu: host.totalCpuMilli }),
    ...(host.totalMemory !== null && { total_memory: host.totalMemory }),
    ...(host.declaredCpuMilli !== null && { declared_cpu: host.declaredCpuMilli }),
    ...(host.declaredMemory !== null && { declared_memory: host.declaredMemory }),
    free_cpu: host.freeCpuMilli,
    free_memory: host.freeMemory,
    placements: Object.fromEntries(host.placements.map((placement) => [placement.id, toEntry(placement)])),
    ...(host.engine && { engine: host.engine }),
    health: host.health,
    events: host.events,
    created_at: host.createdAt,
    updated_at: host.updatedAt,
    version: host.version,
  };
}

/** A host item (or a condition's ALL_OLD, unmarshalled) as a host. */
export function toHost(item: HostItem): Host {
  return {
    id: item.id,
    addr: item.addr,
    labels: item.labels ?? {},
    status: item.status,
    statusReason: item.status_reason,
    statusChangedAt: item.status_changed_at,
    tls: item.tls ?? false,
    totalCpuMilli: item.total_cpu ?? null,
    totalMemory: item.total_memory ?? null,
    declaredCpuMilli: item.declared_cpu ?? null,
    declaredMemory: item.declared_memory ?? null,
    freeCpuMilli: item.free_cpu,
    freeMemory: item.free_memory,
    engine: item.engine ?? null,
    health: item.health ?? { failures: 0, lastProbeAt: null, lastError: null },
    events: item.events ?? [],
    placements: Object.entries(item.placements ?? {})
      .map(
        ([id, entry]): Placement => ({
          id,
          hostId: item.id,
          image: entry.image,
          cpuMilli: entry.cpu,
          memory: entry.memory,
          scheduler: entry.scheduler,
          createdAt: entry.created_at,
          container: JSON.parse(entry.container),
          ...(entry.owner !== undefined && { owner: entry.owner }),
        }),
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)),
    createdAt: item.created_at,
    updatedAt: item.updated_at,
    version: item.version ?? 0,
  };
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
