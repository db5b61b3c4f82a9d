import * as z from "zod";
import { DOCKER_TLS_PORT, parseAddress } from "./address.js";
import { type GpuDevices, gpuDevicesSchema, reservedShares, WHOLE } from "./gpus.js";
import { type Labels, labelsSchema } from "./labels.js";
import type { PlacementSummary } from "./placement.js";
import { DEFAULT_PORT_RANGE, type PortRange, portRangeSchema, takenKeys } from "./ports.js";
import {
  type Amounts,
  amounts,
  type Capacity,
  capacity,
  cpusSchema,
  diskSchema,
  type FreeCounters,
  freeCounters,
  freeOf,
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

/**
 * A Docker host as the arbiter knows it: its capacity, what is reserved on it, and its placements. Its
 * free counters are fields of its own (FreeCounters: `freeCpu`, `freeMemory`, ...): capacity not
 * reserved, the arbiter's counters, total minus the live placements minus what containers Citadel did not
 * place use. Facts from the host may leave them below zero (nothing fits then).
 */
export interface Host extends FreeCounters {
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

/** A host's free GPU: its devices' thousandths less what its placements hold (0 without devices). */
export function freeGpu(host: Pick<Host, "placements" | "gpus">): number {
  if (!host.gpus) return 0;
  let held = 0;
  for (const placement of host.placements)
    if (placement.gpus) held += placement.gpus.devices.length * placement.gpus.share;
  return host.gpus.count * WHOLE - held;
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
  const free = freeCounters(amounts(totalsOf(input)));
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
    // Each free counter named rather than spread in (`...freeCounters(...)`): spread in the middle of a
    // literal, they pushed the host's last fields, and V8's hash of the host (the replica index's Map key,
    // read for each host a service decision scores), out of the object into an array of their own, one more
    // read from memory per host. With every field inside, service decisions ran 13-16% faster at 1,523
    // hosts and 4-6% at 10,000 (bench/engine-ab.ts, 48 paired rounds). The type names any counter missing.
    freeCpu: free.freeCpu,
    freeMemory: free.freeMemory,
    freeDisk: free.freeDisk,
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
  const free = freeOf(host);
  const taken = amounts();
  for (const { name } of RESOURCES) {
    const total = host.total[name];
    taken[name] = total === null ? 0 : total - free[name] - unmanaged[name];
  }
  return taken;
}
