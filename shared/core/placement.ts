import { type GpuGrant, grantView } from "./gpus.js";
import { HOST_ID } from "./host.js";
import { imageTag } from "./image.js";
import type { PortMapping } from "./ports.js";
import { type Amounts, amountsView } from "./resources.js";
import { createdNames, type VolumeMount } from "./volumes.js";

/** A live reservation of counted resources (see resources.ts) on one host for one container. */
export interface Placement {
  /** `<hostId>.<suffix>`: the host is part of the id, so reading a placement is one read of its host. */
  id: string;
  hostId: string;
  image: string;
  /** What it reserves of each counted resource. */
  amounts: Amounts;
  /** The host ports it holds (absent: none). */
  ports?: PortMapping[];
  /** The named volumes it mounts (absent: none). */
  volumes?: VolumeMount[];
  /** The GPU devices it holds, and how much of each (absent: none). */
  gpus?: GpuGrant;
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

/**
 * What a host's record keeps of each live placement: enough to decide (its size), to count replicas of
 * an image (its image's tag, not its name: a name can be 255 bytes, and a host's record must stay small
 * however long its images' names), and to reconcile it with the host's containers. The rest of a
 * placement (its request, image, owner and scheduler) is read with `Registry.getPlacement`.
 */
export type PlacementSummary = Pick<Placement, "id" | "amounts" | "ports" | "gpus" | "createdAt"> & {
  /** `imageTag(image)`. */
  imageTag: string;
  /** The names of the volumes it creates (`create`): its host holds them before the refresh sees them. */
  volumes?: string[];
};

/** What a host's record keeps of `placement`. */
export function summaryOf(placement: Placement): PlacementSummary {
  const { id, image, amounts, ports, gpus, createdAt } = placement;
  const volumes = createdNames(placement.volumes);
  return {
    id,
    imageTag: imageTag(image),
    amounts,
    ...(ports && { ports }),
    ...(gpus && { gpus }),
    createdAt,
    ...(volumes && { volumes }),
  };
}

/** Whether `viewer` (a caller's digest) may see a placement's request and release it. */
export function ownedBy(placement: Placement, viewer: string): boolean {
  return placement.owner === undefined || placement.owner === viewer;
}

const SUFFIX = /^[a-z0-9]{8,40}$/;

/**
 * A new placement id on a host: its creation time (epoch ms, base 36: 8 characters until 2059), then
 * 31 random bits (6 characters). The suffix is the placement's key in its host's record, so it is kept
 * short; it only has to be unique on its host, where two placements would also need the same
 * millisecond to meet. Ids made before had 64 random bits and are still read.
 */
export function newPlacementId(hostId: string, now: Date): string {
  const [random = 0] = crypto.getRandomValues(new Uint32Array(1));
  return `${hostId}.${now.getTime().toString(36)}${(random >>> 1).toString(36).padStart(6, "0")}`;
}

/** When a placement whose id `newPlacementId` made was created: the time its suffix starts with. */
export function createdAtOfSuffix(suffix: string): string {
  return new Date(Number.parseInt(suffix.slice(0, 8), 36)).toISOString();
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
    ...amountsView(placement.amounts),
    ...(placement.ports && { ports: placement.ports }),
    ...(placement.volumes && { volumes: placement.volumes }),
    ...(placement.gpus && { gpus: grantView(placement.gpus) }),
    created_at: placement.createdAt,
  };
}
