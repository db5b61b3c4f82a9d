import { z } from "zod";
import { type Labels, labelsSchema } from "./labels.js";
import type { Placement } from "./placement.js";
import { MAX_MEMORY_MIB, parseMillicores, toCpus } from "./units.js";

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
  /** Schedulable capacity; null until declared or detected, and nothing is placed before that. */
  totalCpuMilli: number | null;
  totalMemory: number | null;
  /** Capacity not reserved: the arbiter's counters (total minus the sum of live placements). */
  freeCpuMilli: number;
  freeMemory: number;
  placements: Placement[];
  createdAt: string;
  updatedAt: string;
}

/**
 * At most this many live placements on one host (kubelet's default is 110 pods per node). It also
 * bounds the host's DynamoDB item, which holds its placements, under the 400 KB item limit.
 */
export const MAX_PLACEMENTS_PER_HOST = 128;

/** Host ids appear in URLs and inside placement ids, which use `.` as a separator. */
export const HOST_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

const ADDR =
  /^(?:tcp:\/\/)?(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/** `cpus` as sent (decimal string or number) to integer millicores. */
export const cpusSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const millicores = parseMillicores(value);
  if (typeof millicores === "string") {
    ctx.addIssue({ code: "custom", message: millicores });
    return z.NEVER;
  }
  return millicores;
});

/** Memory in MiB: a positive integer. */
export const memorySchema = z.number().int("must be an integer (MiB)").positive().max(MAX_MEMORY_MIB);

/** Body of `POST /v1/hosts`. */
export const newHostSchema = z.strictObject({
  addr: z.string().refine((addr) => {
    const port = Number(ADDR.exec(addr)?.[1]);
    return port >= 1 && port <= 65535;
  }, "must be host:port (or tcp://host:port) with a port of 1-65535"),
  id: z
    .string()
    .regex(HOST_ID, "host ids are 1-63 characters of A-Z a-z 0-9 _ -, starting alphanumeric")
    .optional(),
  labels: labelsSchema.optional(),
  total_cpus: cpusSchema.optional(),
  total_memory: memorySchema.optional(),
});

/** Body of `PATCH /v1/hosts/{id}`: any of status (ready|draining), labels (replaced whole), totals. */
export const hostPatchSchema = z
  .strictObject({
    status: z.enum(["ready", "draining"]).optional(),
    labels: labelsSchema.optional(),
    total_cpus: cpusSchema.optional(),
    total_memory: memorySchema.optional(),
  })
  .refine(
    (patch) => Object.keys(patch).length > 0,
    "name at least one of status, labels, total_cpus, total_memory",
  );

export type NewHostInput = z.infer<typeof newHostSchema>;
export type HostPatchInput = z.infer<typeof hostPatchSchema>;

/** The reason recorded when an operator changes a host's status through the API. */
export const STATUS_SET_BY_API = "set by the API";

/** What a registry needs to change a host; totals change by moving the free counters by the same delta. */
export interface HostChanges {
  status?: "ready" | "draining";
  labels?: Labels;
  totalCpuMilli?: number;
  totalMemory?: number;
}

/** The id a host gets when none is given: its address with punctuation turned into dashes. */
export function defaultHostId(addr: string): string {
  return addr
    .replace(/^tcp:\/\//, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

/** A host as registered: ready, nothing reserved; capacity as declared, or unknown until detected. */
export function newHost(input: NewHostInput, now: Date): Host {
  return {
    id: input.id ?? defaultHostId(input.addr),
    addr: input.addr,
    labels: input.labels ?? {},
    status: "ready",
    statusReason: "registered",
    statusChangedAt: now.toISOString(),
    totalCpuMilli: input.total_cpus ?? null,
    totalMemory: input.total_memory ?? null,
    freeCpuMilli: input.total_cpus ?? 0,
    freeMemory: input.total_memory ?? 0,
    placements: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

/** Reserved capacity: what the arbiter's free counters say is taken. */
export function reservedCpuMilli(host: Host): number {
  return host.totalCpuMilli === null ? 0 : host.totalCpuMilli - host.freeCpuMilli;
}

export function reservedMemory(host: Host): number {
  return host.totalMemory === null ? 0 : host.totalMemory - host.freeMemory;
}

/** A host as the API shows it (cpus as numbers of CPUs, memory in MiB). */
export function hostView(host: Host) {
  return {
    id: host.id,
    addr: host.addr,
    labels: host.labels,
    status: host.status,
    status_reason: host.statusReason,
    status_changed_at: host.statusChangedAt,
    total_cpus: host.totalCpuMilli === null ? null : toCpus(host.totalCpuMilli),
    total_memory: host.totalMemory,
    reserved_cpus: toCpus(reservedCpuMilli(host)),
    reserved_memory: reservedMemory(host),
    placements: host.placements.length,
    created_at: host.createdAt,
    updated_at: host.updatedAt,
  };
}
