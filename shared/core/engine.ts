import type { Host, Usage } from "./host.js";

/** The label that ties a container to its placement; run mode sets it, callers who run their own set it. */
export const PLACEMENT_LABEL = "citadel.placement";

/** What one read of a Docker engine found: its capacity and its containers. */
export interface EngineReport {
  version: string;
  cpuMilli: number;
  /** MiB. */
  memory: number;
  containers: ContainerReport[];
}

/** One container on an engine, as a refresh needs it. */
export interface ContainerReport {
  id: string;
  /** Docker's state: created, running, restarting, paused, exited, dead, removing. */
  state: string;
  exitCode: number;
  /** The `citadel.placement` label, when the container carries one. */
  placementId: string | undefined;
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
  cpuMilli: number;
  memory: number;
  labels: Record<string, string>;
}

/**
 * The Docker engines of the cluster (the dockerode adapter implements it): read one, or run a
 * container on one. Both reject with an Error whose message says what failed.
 */
export interface Engines {
  read(host: Host): Promise<EngineReport>;
  /** Creates and starts the container with the placement's limits; resolves to its id. */
  run(host: Host, spec: ContainerSpec): Promise<string>;
}

/** Whether a container in this state counts as alive (holding its resources). */
export function isAlive(state: string): boolean {
  return state === "running" || state === "restarting" || state === "paused";
}
