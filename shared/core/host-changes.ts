import type { GpuDevices } from "./gpus.js";
import {
  type EngineState,
  gpuShares,
  HOST_EVENTS_KEPT,
  type Host,
  type HostEvent,
  type HostHealth,
  type HostStatus,
} from "./host.js";
import type { Labels } from "./labels.js";
import type { PortRange } from "./ports.js";
import {
  type Amounts,
  added,
  amounts,
  type Capacity,
  freeCounters,
  freeOf,
  observedAmounts,
  RESOURCES,
  sharedCapacity,
} from "./resources.js";

// Changes to a host (an operator's PATCH, a refresh's observations): what a change says, and the host
// after it, as every registry computes it before writing it under its own condition.

/** The reason recorded when an operator changes a host's status through the API. */
export const STATUS_SET_BY_API = "set by the API";

/**
 * What a registry needs to change a host. Totals and unmanaged use move the free counters by their
 * delta, so what is reserved stays accounted whatever commits run meanwhile.
 */
export interface HostChanges {
  status?: HostStatus;
  /** Why the status changed; STATUS_SET_BY_API unless given. */
  statusReason?: string;
  labels?: Labels;
  /** New totals of some resources (the others keep theirs). */
  total?: Partial<Amounts>;
  /** New declared totals of some resources (the others keep theirs). */
  declared?: Partial<Amounts>;
  portRange?: PortRange;
  /** The host ports unmanaged containers publish, as a refresh found them. */
  unmanagedPorts?: string[];
  /** The named volumes the engine holds, as a refresh found them (sorted, capped: keptVolumes). */
  volumes?: string[];
  /** Its GPU devices as declared now: refused while a device it drops holds a placement's share. */
  gpus?: GpuDevices;
  engine?: EngineState;
  health?: HostHealth;
  /** Appended to the host's events. */
  events?: HostEvent[];
  /**
   * Facts observed on the host (a refresh): applied even when they leave the free counters below zero.
   * Otherwise a change that would is refused with CapacityBelowReservedError.
   */
  observed?: boolean;
}

/**
 * A change as given to `Registry.changeHost`: fixed, or computed from the host as the registry reads it
 * on each attempt, so that the change that lands was judged on the state it replaces.
 */
export type HostChangesOf = HostChanges | ((current: Host) => HostChanges);

/** The change `of` makes to `host`. */
export function changesFor(host: Host, of: HostChangesOf): HostChanges {
  return typeof of === "function" ? of(host) : of;
}

/** How much a change moves the free counters: the change of the totals minus that of unmanaged use. */
export function freeDelta(host: Host, changes: HostChanges): Amounts {
  const before = observedAmounts(host.engine?.unmanaged);
  const after = changes.engine ? observedAmounts(changes.engine.unmanaged) : before;
  const delta = amounts();
  for (const { name } of RESOURCES) {
    const total = changes.total?.[name] ?? host.total[name] ?? 0;
    delta[name] = total - (host.total[name] ?? 0) - (after[name] - before[name]);
  }
  return delta;
}

/** A capacity with the totals `changed` gives (the others as they are). */
function withTotals(of: Capacity, changed: Partial<Amounts> | undefined): Capacity {
  return changed ? sharedCapacity({ ...of, ...changed }) : of;
}

/** The events a change adds to a host's: its status change, if any, then the change's own. */
export function addedEvents(host: Host, changes: HostChanges, now: Date): HostEvent[] {
  const statusChanges = changes.status !== undefined && changes.status !== host.status;
  return [
    ...(statusChanges
      ? [
          {
            at: now.toISOString(),
            action: `status ${changes.status}`,
            detail: changes.statusReason ?? STATUS_SET_BY_API,
          },
        ]
      : []),
    ...(changes.events ?? []),
  ];
}

/**
 * Whether a change only records what a refresh observed: its engine and health (and events), with the
 * same totals, status and unmanaged use. It leaves the host's own attributes, and so its version, as
 * they are: registries may keep observations apart from what commits write.
 */
export function observesOnly(host: Host, changes: HostChanges): boolean {
  const same = <T>(asked: T | undefined, current: T) => asked === undefined || asked === current;
  const before = host.engine?.unmanaged;
  const after = changes.engine ? changes.engine.unmanaged : before;
  return (
    changes.labels === undefined &&
    changes.portRange === undefined &&
    changes.gpus === undefined &&
    (changes.unmanagedPorts === undefined || sameKeys(changes.unmanagedPorts, host.unmanagedPorts)) &&
    (changes.volumes === undefined || sameKeys(changes.volumes, host.volumes)) &&
    Object.keys(changes.declared ?? {}).length === 0 &&
    same(changes.status, host.status) &&
    RESOURCES.every(({ name }) => same(changes.total?.[name], host.total[name])) &&
    after?.cpuMilli === before?.cpuMilli &&
    after?.memory === before?.memory &&
    after?.containers === before?.containers
  );
}

/**
 * The host after `changes`, or undefined when the change is refused because it would leave less free
 * than zero (an operator's total below what is reserved). Registries write what this computes. The
 * version and `updatedAt` move unless the change observes only (see observesOnly).
 */
export function changedHost(host: Host, changes: HostChanges, now: Date): Host | undefined {
  const events = [...host.events, ...addedEvents(host, changes, now)].slice(-HOST_EVENTS_KEPT);
  if (observesOnly(host, changes)) {
    return { ...host, engine: changes.engine ?? host.engine, health: changes.health ?? host.health, events };
  }
  const delta = freeDelta(host, changes);
  const free = added(freeOf(host), delta);
  const below = RESOURCES.some(({ name }) => delta[name] < 0 && free[name] < 0);
  if (!changes.observed && below) return undefined;
  if (changes.gpus && droppedShares(host, changes.gpus.count)) return undefined;
  const statusChanges = changes.status !== undefined && changes.status !== host.status;
  const at = now.toISOString();
  return {
    ...host,
    labels: changes.labels ?? host.labels,
    total: withTotals(host.total, changes.total),
    declared: withTotals(host.declared, changes.declared),
    ...freeCounters(free),
    portRange: changes.portRange ?? host.portRange,
    // Sorted: a set (DynamoDB's string set keeps no order), compared and shown alike by every registry.
    unmanagedPorts: changes.unmanagedPorts ? [...changes.unmanagedPorts].sort() : host.unmanagedPorts,
    volumes: changes.volumes ? [...changes.volumes].sort() : host.volumes,
    gpus: changes.gpus ?? host.gpus,
    engine: changes.engine ?? host.engine,
    health: changes.health ?? host.health,
    events,
    ...(statusChanges && {
      status: changes.status ?? host.status,
      statusReason: changes.statusReason ?? STATUS_SET_BY_API,
      statusChangedAt: at,
    }),
    updatedAt: at,
    version: host.version + 1,
  };
}

/** Whether a device from `count` on holds a share: a host cannot drop a device in use. */
function droppedShares(host: Host, count: number): boolean {
  return gpuShares(host).some((share, device) => device >= count && share > 0);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}
