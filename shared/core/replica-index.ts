import type { Host } from "./host.js";
import { imageTag } from "./image.js";

const NONE: ReadonlyMap<Host, number> = new Map();

/** How many replicas of one image each host runs (absent: none). */
export type ReplicaCounts = Pick<ReadonlyMap<Host, number>, "get">;

/**
 * Which hosts run replicas of each image, and how many. Spread scoring asks it once per host instead
 * of scanning the host's placements, which made scoring cost grow with every placement in the cluster.
 * Hosts are immutable values: a changed host is a new object, replaced here as in the view it mirrors.
 */
export class ReplicaIndex {
  /** By image tag (what hosts' records keep of their placements' images). */
  private readonly byTag = new Map<string, Map<Host, number>>();

  constructor(hosts: Iterable<Host> = []) {
    for (const host of hosts) this.add(host);
  }

  /** The hosts running `image`, with their replica counts (hosts without one are absent). */
  of(image: string): ReadonlyMap<Host, number> {
    return this.byTag.get(imageTag(image)) ?? NONE;
  }

  /** Mirrors a change of one host: `previous` leaves the index (if given), `next` enters it (if given). */
  replace(previous: Host | undefined, next: Host | undefined): void {
    if (previous) this.remove(previous);
    if (next) this.add(next);
  }

  private add(host: Host): void {
    for (const placement of host.placements) {
      let hosts = this.byTag.get(placement.imageTag);
      if (!hosts) {
        hosts = new Map();
        this.byTag.set(placement.imageTag, hosts);
      }
      hosts.set(host, (hosts.get(host) ?? 0) + 1);
    }
  }

  private remove(host: Host): void {
    for (const placement of host.placements) {
      const hosts = this.byTag.get(placement.imageTag);
      hosts?.delete(host);
      if (hosts?.size === 0) this.byTag.delete(placement.imageTag);
    }
  }
}
