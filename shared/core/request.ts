import * as z from "zod";
import type { Constraint } from "./constraints.js";
import { type GpuRequest, gpuModelsSchema, gpusSchema, requestedGpus } from "./gpus.js";
import { isImageReference, MAX_IMAGE_LENGTH } from "./image.js";
import { type Labels, labelsSchema } from "./labels.js";
import { type PortRequest, portsSchema } from "./ports.js";
import { type Amounts, amounts, cpusSchema, diskSchema, memorySchema } from "./resources.js";
import { DEFAULT_SCHEDULER_TYPES } from "./schedulers.js";
import {
  type Affinity,
  affinitiesSchema,
  constraintSchema,
  type Spread,
  spreadSchema,
} from "./soft-rules.js";
import { type Parsed, parseWith } from "./validation.js";
import { type VolumeMount, volumesSchema } from "./volumes.js";

/** A container request as the schedulers see it: amounts in their units inside, constraints parsed. */
export interface ContainerRequest {
  image: string;
  /** What it asks of each counted resource (zero of those it does not name). */
  amounts: Amounts;
  /** Host ports it asks for (ports.ts); absent when none. */
  ports?: PortRequest[];
  /** GPU devices or a share of one (gpus.ts); absent when none. */
  gpus?: GpuRequest;
  type: string;
  constraints: Constraint[];
  labels: Labels;
  /** Run mode: Citadel creates and starts the container on the chosen host. */
  run?: boolean;
  /** The container's command in run mode (the image's default when absent). */
  command?: string[];
  /** Never on a host that runs a live placement of the same image (`distinct_hosts`: a hard filter). */
  distinctHosts?: boolean;
  /** Hosts where starting this request's container already failed (run mode tries another). */
  avoidHosts?: ReadonlySet<string>;
  /** Soft: hosts that satisfy these rank higher (or lower, for negative weights). */
  affinities?: Affinity[];
  /** Soft: the image's live placements spread over a host label's values. */
  spread?: Spread;
  /** Named volumes it mounts (volumes.ts); absent when none. */
  volumes?: VolumeMount[];
  /** Of those, the ones some host of the whole cluster holds: set by a decision on a whole view (volumesHeld). */
  volumesHeld?: ReadonlySet<string>;
}

/** The body of `POST /v1/placements`. Unknown fields are refused. */
export const containerRequestSchema = z
  .strictObject({
    image: z
      .string()
      .refine(
        isImageReference,
        `must be a Docker image reference such as "redis:7" or "registry.example:5000/team/app@sha256:<hex>" (lowercase path, at most ${MAX_IMAGE_LENGTH} characters)`,
      ),
    cpus: cpusSchema,
    memory: memorySchema,
    disk: diskSchema.optional(),
    ports: portsSchema.optional(),
    gpus: gpusSchema.optional(),
    gpu_models: gpuModelsSchema.optional(),
    // Checked against the configured types by parseContainerRequest.
    type: z.string(),
    constraints: z.array(constraintSchema).max(32).optional(),
    labels: labelsSchema.optional(),
    run: z.boolean().optional(),
    command: z.array(z.string().max(1024)).min(1).max(64).optional(),
    distinct_hosts: z.boolean().optional(),
    affinities: affinitiesSchema.optional(),
    spread: spreadSchema.optional(),
    volumes: volumesSchema.optional(),
  })
  .refine((body) => body.gpu_models === undefined || body.gpus !== undefined, {
    path: ["gpu_models"],
    message: "names the models of the GPUs asked for: ask for gpus too",
  })
  .transform(
    (body): ContainerRequest => ({
      image: body.image,
      amounts: amounts({ cpu: body.cpus, memory: body.memory, disk: body.disk }),
      ...(body.ports?.length && { ports: body.ports }),
      ...(body.gpus && { gpus: { ...body.gpus, ...(body.gpu_models && { models: body.gpu_models }) } }),
      type: body.type,
      constraints: body.constraints ?? [],
      labels: body.labels ?? {},
      ...(body.run && { run: true }),
      ...(body.command && { command: body.command }),
      ...(body.distinct_hosts && { distinctHosts: true }),
      ...(body.affinities && { affinities: body.affinities }),
      ...(body.spread && { spread: body.spread }),
      ...(body.volumes?.length && { volumes: body.volumes }),
    }),
  );

/** A container request is stored with its placement, inside its host's item: it stays small. */
export const MAX_CONTAINER_BYTES = 2048;

const BUILT_IN_TYPES = DEFAULT_SCHEDULER_TYPES.map((scheduler) => scheduler.type);

/**
 * Validates a parsed JSON body as a container request whose `type` is one of `types`: the scheduler
 * types configured (see schedulerTypes), the built-in ones by default.
 */
export function parseContainerRequest(
  body: unknown,
  types: readonly string[] = BUILT_IN_TYPES,
): Parsed<ContainerRequest> {
  const bytes = new TextEncoder().encode(JSON.stringify(body) ?? "").length;
  if (bytes > MAX_CONTAINER_BYTES) {
    return {
      ok: false,
      issues: [{ path: "", message: `a container request is at most ${MAX_CONTAINER_BYTES} bytes of JSON` }],
    };
  }
  const parsed = parseWith(containerRequestSchema, body);
  const type = typeof body === "object" && body !== null ? (body as { type?: unknown }).type : undefined;
  if (typeof type !== "string" || types.includes(type)) return parsed;
  const issue = { path: "type", message: `unknown type; known types: ${types.join(", ")}` };
  return { ok: false, issues: [...(parsed.ok ? [] : parsed.issues), issue] };
}

/**
 * The container request as the caller sent it, rebuilt from the validated fields: what the scheduler
 * stores with the placement and echoes. Only the schema's fields, so no key the schema did not check
 * (zod's records skip `__proto__`, for one) is ever stored.
 */
export type SentContainer = {
  image: string;
  /** As sent: "0.2" stays a string, 2 a number. */
  cpus: string | number;
  memory: number;
  disk?: number;
  ports?: { container: number; host?: number; protocol?: string }[];
  gpus?: number;
  gpu_models?: string[];
  type: string;
  /** As written, spaces included: the echo is the request, not its parse. */
  constraints?: string[];
  labels?: Labels;
  run?: boolean;
  command?: string[];
  distinct_hosts?: boolean;
  /** Constraints as written, as `constraints`. */
  affinities?: { constraint: string; weight: number }[];
  spread?: Spread;
  /** As parsed: each with its `create`. */
  volumes?: VolumeMount[];
};

/**
 * The container of `body` as stored and echoed (see SentContainer). `request` is what
 * parseContainerRequest made of that same `body`: the strict schema accepted it, so it holds known
 * fields only, cpus a string or a number and constraints strings. Those (and the affinities'
 * constraints) are taken as sent (their parse normalises them); every other field is the schema's output.
 */
export function sentContainer(body: Record<string, unknown>, request: ContainerRequest): SentContainer {
  const sent = body as {
    cpus: string | number;
    constraints?: string[];
    ports?: unknown;
    labels?: unknown;
    run?: boolean;
    distinct_hosts?: boolean;
    affinities?: { constraint: string }[];
    volumes?: unknown;
  };
  return {
    image: request.image,
    cpus: sent.cpus,
    memory: request.amounts.memory,
    ...(request.amounts.disk > 0 && { disk: request.amounts.disk }),
    // As parsed: each port with its protocol (a request that sent none asked tcp).
    ...(sent.ports !== undefined && { ports: request.ports ?? [] }),
    ...(request.gpus && { gpus: requestedGpus(request.gpus) }),
    ...(request.gpus?.models && { gpu_models: request.gpus.models }),
    type: request.type,
    ...(sent.constraints && { constraints: sent.constraints.map(String) }),
    ...(sent.labels !== undefined && { labels: request.labels }),
    ...(sent.run !== undefined && { run: sent.run }),
    ...(request.command && { command: request.command }),
    ...(sent.distinct_hosts !== undefined && { distinct_hosts: sent.distinct_hosts }),
    ...(sent.affinities &&
      request.affinities && {
        affinities: request.affinities.map(({ weight }, index) => ({
          constraint: String(sent.affinities?.[index]?.constraint),
          weight,
        })),
      }),
    ...(request.spread && { spread: request.spread }),
    ...(sent.volumes !== undefined && { volumes: request.volumes ?? [] }),
  };
}
