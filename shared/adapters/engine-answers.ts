import * as z from "zod";
import { EngineError } from "../core/engine.js";

// What Citadel reads from an engine's answers, and the bounds it holds them to: an engine's answers are
// untrusted input. Unknown fields are ignored; a field Citadel uses that is missing, of another type or
// out of bounds makes the whole answer invalid (`invalid answer: <field>`, the field named by these
// schemas, never by the answer).

/** At most this many containers per host: a host with more fails its probe (`invalid answer: containers`). */
export const MAX_CONTAINERS = 1000;

/** Bounds of what an engine may report: far above any machine, far below what breaks arithmetic. */
const MAX_CPUS = 4096;
const MAX_BYTES = 2 ** 50; // 1 PiB
/** Docker's cumulative counters (nanoseconds of cpu time) are 64-bit. */
const MAX_COUNTER = 2 ** 64;

/** Most bytes of each answer read; a longer one fails (`too large`) while it is read. */
export const MAX_ANSWER_BYTES = {
  info: 1024 * 1024,
  containers: 4 * 1024 * 1024,
  inspect: 1024 * 1024,
  stats: 256 * 1024,
  created: 64 * 1024,
  volumes: 4 * 1024 * 1024,
} as const;

const containerId = z.string().regex(/^[0-9a-f]{64}$/);
const labels = z.record(z.string(), z.unknown()).nullish();
const bytes = z.number().int().min(0).max(MAX_BYTES);
const counter = z.number().min(0).max(MAX_COUNTER);

export const infoSchema = z.object({
  /** Docker's engine ID: `XXXX:XXXX:…` (base32 groups) or a UUID in newer releases. */
  ID: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/),
  ServerVersion: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.+_~-]{0,63}$/),
  NCPU: z.number().int().min(1).max(MAX_CPUS),
  MemTotal: z.number().int().min(1).max(MAX_BYTES),
});

export const STATES = ["created", "running", "restarting", "paused", "exited", "dead", "removing"] as const;

/** A listed container's published ports (`PublicPort` only when published on the host). */
const publishedPorts = z
  .array(
    z.object({
      PublicPort: z.number().int().min(1).max(65535).optional(),
      Type: z.string().max(8),
    }),
  )
  .max(1024)
  .nullish();

export const containersSchema = z
  .array(
    z.object({
      Id: containerId,
      Image: z.string().max(1024),
      State: z.enum(STATES),
      Labels: labels,
      Ports: publishedPorts,
    }),
  )
  .max(MAX_CONTAINERS);

export const inspectSchema = z.object({
  Id: containerId,
  State: z.object({
    Running: z.boolean(),
    ExitCode: z
      .number()
      .int()
      .min(-(2 ** 31))
      .max(2 ** 32),
    StartedAt: z.string().max(64),
  }),
  HostConfig: z.object({
    NanoCpus: z
      .number()
      .int()
      .min(0)
      .max(MAX_CPUS * 1e9)
      .nullish(),
    Memory: bytes.nullish(),
  }),
  Config: z.object({ Labels: labels }),
});

const cpuStats = z.object({
  cpu_usage: z
    .object({ total_usage: counter.optional(), percpu_usage: z.array(counter).max(MAX_CPUS).nullish() })
    .optional(),
  system_cpu_usage: counter.optional(),
  online_cpus: z.number().int().min(0).max(MAX_CPUS).optional(),
});

export const statsSchema = z.object({
  cpu_stats: cpuStats,
  precpu_stats: cpuStats.optional(),
  memory_stats: z.object({
    usage: bytes.optional(),
    stats: z
      .object({
        inactive_file: bytes.optional(),
        total_inactive_file: bytes.optional(),
        cache: bytes.optional(),
      })
      .optional(),
  }),
});

export const createdSchema = z.object({ Id: containerId });

/** At most this many volumes listed per host: a host with more fails its probe (`invalid answer: volumes.Volumes`). */
export const MAX_LISTED_VOLUMES = 10_000;

/** `GET /volumes`: the names only (the host keeps the named ones, see keptVolumes). */
export const volumeListSchema = z.object({
  Volumes: z
    .array(z.object({ Name: z.string().max(1024) }))
    .max(MAX_LISTED_VOLUMES)
    .nullish(),
});

/**
 * An answer checked against its schema, or an EngineError `invalid answer: <field>`: the field is the
 * path in the schema (`containers[].State`), from the schema's own keys (`what` names the answer).
 */
export function parseAnswer<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const path = result.error.issues[0]?.path ?? [];
  let field = what;
  for (const segment of path) {
    if (typeof segment === "number") field += "[]";
    else if (typeof segment === "string" && /^[A-Za-z_]{1,32}$/.test(segment)) {
      field += field === "" ? segment : `.${segment}`;
    } else break;
  }
  throw new EngineError(`invalid answer: ${field || "body"}`);
}
