import type { GpuGrant } from "./gpus.js";
import type { Host, Usage } from "./host.js";
import type { PortMapping } from "./ports.js";
import type { Amounts } from "./resources.js";
import type { VolumeMount } from "./volumes.js";

/** The label that ties a container to its placement; run mode sets it, callers who run their own set it. */
export const PLACEMENT_LABEL = "citadel.placement";

/** What one read of a Docker engine found: its identity, its capacity and its containers. */
export interface EngineReport {
  /** Docker's `/info` `ID`: the same engine under two addresses reports the same one. */
  id: string;
  version: string;
  cpuMilli: number;
  /** MiB. */
  memory: number;
  containers: ContainerReport[];
  /** The names of its volumes (`GET /volumes`), as listed: the refresh keeps the named ones (keptVolumes). */
  volumes: string[];
}

/** One container on an engine, as a refresh needs it. */
export interface ContainerReport {
  id: string;
  /** The image it was created from, as its engine lists it (run mode creates it from its placement's). */
  image: string;
  /** Docker's state: created, running, restarting, paused, exited, dead, removing. */
  state: string;
  exitCode: number;
  /** The `citadel.placement` label, when the container carries one. */
  placementId: string | undefined;
  /** The host ports it publishes (`8080/tcp`). */
  ports: string[];
  /** `--cpus` / `--memory` limits; 0 where the container has none. */
  limits: Usage;
  /** Live use (one stats sample) of a running container; null when not running or not read. */
  usage: Usage | null;
}

/** A container to create and start on a host for a placement (run mode). */
export interface ContainerSpec {
  placementId: string;
  image: string;
  command: string[] | undefined;
  /** What its placement reserves: the container's limits. */
  amounts: Amounts;
  /** Host ports to publish. */
  ports: PortMapping[];
  /** Named volumes to mount (Docker creates one that does not exist). */
  volumes: VolumeMount[];
  /** GPU devices to pass (absent: none). */
  gpus?: GpuGrant;
  labels: Record<string, string>;
}

/** A placement's container as found on its engine by its name (`citadel-<placement id>`). */
export interface FoundContainer {
  id: string;
  running: boolean;
  /** Whether it ever started (running now, or ran and ended), as opposed to created and never started. */
  started: boolean;
}

/** The name run mode gives a placement's container: a retry finds it by this name instead of making another. */
export function containerName(placementId: string): string {
  return `citadel-${placementId}`;
}

/**
 * The Docker engines of the cluster (shared/adapters/docker-engines.ts implements it over the Engine
 * API). Every call takes a signal: when it aborts, the call's connections are closed and it rejects.
 * Every rejection is an EngineError whose reason is one of Citadel's own phrases (see EngineFailure),
 * never text an engine sent.
 */
export interface Engines {
  read(host: Host, signal: AbortSignal): Promise<EngineReport>;
  /**
   * Creates and starts the placement's container with its limits and resolves to its id. When a
   * container of that name exists already (a retry), it is that one: started if it never was.
   */
  run(host: Host, spec: ContainerSpec, signal: AbortSignal): Promise<string>;
  /** The placement's container by its name; undefined when there is none. */
  find(host: Host, placementId: string, signal: AbortSignal): Promise<FoundContainer | undefined>;
}

/**
 * Why a call to an engine failed, in Citadel's words only: whatever an engine answers, none of its text
 * is stored or returned (an engine's error body may be another service's secret, and the difference
 * between texts would make Citadel a port scanner).
 */
export type EngineFailure =
  | "refused"
  | "timeout"
  | "tls"
  | "unreachable"
  | `http ${number}`
  | `invalid answer: ${string}`
  | "address not allowed"
  | "too large"
  | "client certificates unreadable"
  | `host ${string} uses TLS but no Docker client certificates are configured`;

/** At most this many characters of a failure's reason are ever stored or shown. */
export const MAX_FAILURE_LENGTH = 200;

/** A failed call to an engine; `reason` is safe to store and show. */
export class EngineError extends Error {
  constructor(readonly reason: EngineFailure) {
    super(reason.slice(0, MAX_FAILURE_LENGTH));
    this.name = "EngineError";
  }
}

/** A deadline passed before an engine answered (also when an Engines implementation ignored its signal). */
export class DeadlineError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/**
 * The reason to store and show for anything a call to an engine threw: an EngineError's own reason,
 * `timeout` for a passed deadline, and a fixed phrase for anything else (never the error's own text).
 */
export function failureOf(error: unknown): string {
  if (error instanceof EngineError) return error.message;
  if (error instanceof DeadlineError) return "timeout";
  return "internal error";
}

/** Whether a container in this state counts as alive (holding its resources). */
export function isAlive(state: string): boolean {
  return state === "running" || state === "restarting" || state === "paused";
}
