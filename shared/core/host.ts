import * as z from "zod";
import { DOCKER_TLS_PORT, parseAddress } from "./address.js";
import { type GpuDevices, gpuDevicesSchema, reservedShares } from "./gpus.js";
import { type Labels, labelsSchema } from "./labels.js";
import type { PlacementSummary } from "./placement.js";
import { DEFAULT_PORT_RANGE, type PortRange, portRangeSchema, takenKeys } from "./ports.js";
import {
  type Amounts,
  added,
  amounts,
  type Capacity,
  capacity,
  cpusSchema,
  diskSchema,
  memorySchema,
  observedAmounts,
  RESOURCES,
  sharedCapacity,
  totalsOf,
  type Usage,
} from "./resources.js";

export type { Usage } from "./resources.js";

/** `ready` hosts take placements; `draining` keep theirs and take no new ones; `down` stopped answering. */
export type HostStatus = "ready" | "draining" | "down";

/** A Docker host as the arbiter knows it: its capacity, what is reserved on it, and its placements. */
export interface Host {
  id: string;
  addr: string;
  labels: Labels;
  status: HostStatus;
  statusReason: string;
  statusChangedAt: string;
  /** Docker's TLS port: the engine is reached with the client certificates Citadel is given. */
  tls: boolean;
  /**
   * Schedulable capacity: as declared, else as detected; null until then, and nothing is placed before
   * (of the resources every request asks for; see resources.ts).
   */
  total: Capacity;
  /** What the operator declared (kept as the schedulable capacity, e.g. to leave headroom); null: detect. */
  declared: Capacity;
  /**
   * Capacity not reserved: the arbiter's counters, total minus the live placements minus what containers
   * Citadel did not place use. Facts from the host may leave them below zero (nothing fits then).
   */
  free: Amounts;
  /** Where its dynamic host ports come from (ports.ts). */
  portRange: PortRange;
  /** Host ports that running containers Citadel did not place publish (`8080/tcp`): taken, as placements' are. */
  unmanagedPorts: string[];
  /** The named volumes its engine holds, as a refresh listed them: sorted, at most MAX_HOST_VOLUMES (volumes.ts). */
  volumes: string[];
  /** Its GPU devices, as declared (null: none); what each has reserved is its placements' (gpuShares). */
  gpus: GpuDevices | null;
  /** Its live placements, summarised (see PlacementSummary). */
  placements: PlacementSummary[];
  /** What the Docker engine reported at the last refresh that reached it; null before that. */
  engine: EngineState | null;
  health: HostHealth;
  /** The last status changes and reconciliation actions, newest last (at most HOST_EVENTS_KEPT). */
  events: HostEvent[];
  createdAt: string;
  updatedAt: string;
  /**
   * The optimistic lock of host changes: +1 on every change, whichever clock made it. Commits and
   * releases leave it alone (they are checked for fit, so they never conflict with a change).
   */
  version: number;
}

/** A host's Docker engine as the last refresh saw it. */
export interface EngineState {
  /**
   * Docker's `/info` `ID`: one engine under two addresses is one host (the later registered goes down).
   * Absent from engine states recorded before it was kept.
   */
  id?: string;
  version: string;
  cpuMilli: number;
  memory: number;
  /** Running containers Citadel did not place: counted as used, so nothing is placed on top of them. */
  unmanaged: Usage & { containers: number };
  /** Live use of Citadel's running containers (their stats), beside what they reserved. */
  used: Usage;
  observedAt: string;
}

/** Consecutive failed probes (K of them make a ready host `down`) and the last one's error. */
export interface HostHealth {
  failures: number;
  lastProbeAt: string | null;
  lastError: string | null;
}

export interface HostEvent {
  at: string;
  action: string;
  detail: string;
}

/**
 * How many of a host's last events it shows. In DynamoDB they are items of their own, not in the host's
 * item, which every commit rewrites (ten events are about 1.4 KB: up to two write units per commit).
 */
export const HOST_EVENTS_KEPT = 10;

/**
 * At most this many live placements on one host (kubelet's default is 110 pods per node). It also
 * bounds the host's DynamoDB item, which holds a short entry per placement, to a few KB.
 */
export const MAX_PLACEMENTS_PER_HOST = 128;

/** Host ids appear in URLs and inside placement ids, which use `.` as a separator. */
export const HOST_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** Body of `POST /v1/hosts`. */
export const newHostSchema = z.strictObject({
  addr: z.string().superRefine((addr, context) => {
    const parsed = parseAddress(addr);
    if (typeof parsed === "string") context.addIssue({ code: "custom", message: parsed });
  }),
  id: z
    .string()
    .regex(HOST_ID, "host ids are 1-63 characters of A-Z a-z 0-9 _ -, starting alphanumeric")
    .optional(),
  labels: labelsSchema.optional(),
  tls: z.boolean().optional(),
  total_cpus: cpusSchema.optional(),
  total_memory: memorySchema.optional(),
  total_disk: diskSchema.optional(),
  port_range: portRangeSchema.optional(),
  gpus: gpuDevicesSchema.optional(),
});

/** Body of `PATCH /v1/hosts/{id}`: any of status (ready|draining), labels (replaced whole), totals. */
export const hostPatchSchema = z
  .strictObject({
    status: z.enum(["ready", "draining"]).optional(),
    labels: labelsSchema.optional(),
    total_cpus: cpusSchema.optional(),
    total_memory: memorySchema.optional(),
    total_disk: diskSchema.optional(),
    port_range: portRangeSchema.optional(),
    gpus: gpuDevicesSchema.optional(),
  })
  .refine(
    (patch) => Object.keys(patch).length > 0,
    "name at least one of status, labels, total_cpus, total_memory, total_disk, port_range, gpus",
  );

export type NewHostInput = z.infer<typeof newHostSchema>;
export type HostPatchInput = z.infer<typeof hostPatchSchema>;

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
  const free = added(host.free, delta);
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
    free,
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

/** The host ports taken on a host: its placements' and those unmanaged containers publish (`8080/tcp`). */
export function takenPorts(host: Pick<Host, "placements" | "unmanagedPorts">): Set<string> {
  const taken = new Set(host.unmanagedPorts);
  for (const placement of host.placements) {
    if (placement.ports) for (const key of takenKeys(placement.ports)) taken.add(key);
  }
  return taken;
}

/** What each of a host's GPU devices has reserved, in thousandths (empty without devices). */
export function gpuShares(host: Pick<Host, "placements" | "gpus">): number[] {
  return host.gpus
    ? reservedShares(
        host.gpus,
        host.placements.map((placement) => placement.gpus),
      )
    : [];
}

/** Whether a device from `count` on holds a share: a host cannot drop a device in use. */
function droppedShares(host: Host, count: number): boolean {
  return gpuShares(host).some((share, device) => device >= count && share > 0);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/** The id a host gets when none is given: its canonical address with punctuation turned into dashes. */
export function defaultHostId(addr: string): string {
  return addr
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

/**
 * A host as registered: ready, nothing reserved; capacity as declared, or unknown until detected. Its
 * address is stored canonical (see parseAddress), so one engine is one address; `input` is one that
 * newHostSchema accepted (a malformed address throws).
 */
export function newHost(input: NewHostInput, now: Date): Host {
  const address = parseAddress(input.addr, input.tls);
  if (typeof address === "string") throw new Error(`host address ${JSON.stringify(input.addr)}: ${address}`);
  const declared = sharedCapacity(capacity(totalsOf(input)));
  return {
    id: input.id ?? defaultHostId(address.addr),
    addr: address.addr,
    labels: input.labels ?? {},
    status: "ready",
    statusReason: "registered",
    statusChangedAt: now.toISOString(),
    tls: input.tls ?? address.port === DOCKER_TLS_PORT,
    total: declared,
    declared,
    free: amounts(totalsOf(input)),
    portRange: input.port_range ?? DEFAULT_PORT_RANGE,
    unmanagedPorts: [],
    volumes: [],
    gpus: input.gpus ?? null,
    placements: [],
    engine: null,
    health: { failures: 0, lastProbeAt: null, lastError: null },
    events: [{ at: now.toISOString(), action: "registered", detail: "added through the API" }],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 0,
  };
}

/** A host as listings give it: without its events (Registry.getHost shows them). */
export function withoutEvents(host: Host): Host {
  return { ...host, events: [] };
}

/** Reserved capacity: what the arbiter's free counters say Citadel's placements take. */
export function reserved(host: Host): Amounts {
  const unmanaged = observedAmounts(host.engine?.unmanaged);
  const taken = amounts();
  for (const { name } of RESOURCES) {
    const total = host.total[name];
    taken[name] = total === null ? 0 : total - host.free[name] - unmanaged[name];
  }
  return taken;
}
