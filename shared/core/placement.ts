import { HOST_ID } from "./host.js";
import { toCpus } from "./units.js";

/** A live reservation of cpu and memory on one host for one container. */
export interface Placement {
  /** `<hostId>.<suffix>`: the host is part of the id, so reading a placement is one read of its host. */
  id: string;
  hostId: string;
  image: string;
  cpuMilli: number;
  memory: number;
  scheduler: string;
  createdAt: string;
  /** The container request exactly as the caller sent it. */
  container: Record<string, unknown>;
  /**
   * A digest of the caller who made it (see functions/api/caller.ts): only they see its request and may
   * release it. Absent on placements made before owners were recorded, which anyone may.
   */
  owner?: string;
}

/** Whether `viewer` (a caller's digest) may see a placement's request and release it. */
export function ownedBy(placement: Placement, viewer: string): boolean {
  return placement.owner === undefined || placement.owner === viewer;
}

const SUFFIX = /^[a-z0-9]{8,40}$/;

/** A new placement id on a host: time-ordered, with 64 random bits. */
export function newPlacementId(hostId: string, now: Date): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  const suffix = `${now.getTime().toString(36)}${[...random].map((n) => n.toString(36).padStart(7, "0")).join("")}`;
  return `${hostId}.${suffix}`;
}

/** The host of a placement id, or undefined when the id is not one Citadel makes. */
export function hostOfPlacement(placementId: string): string | undefined {
  const dot = placementId.lastIndexOf(".");
  const hostId = placementId.slice(0, dot);
  return dot > 0 && HOST_ID.test(hostId) && SUFFIX.test(placementId.slice(dot + 1)) ? hostId : undefined;
}

/** The placement part of an API answer. */
export function placementView(placement: Placement) {
  return {
    id: placement.id,
    host_id: placement.hostId,
    scheduler: placement.scheduler,
    image: placement.image,
    cpus: toCpus(placement.cpuMilli),
    memory: placement.memory,
    created_at: placement.createdAt,
  };
}
