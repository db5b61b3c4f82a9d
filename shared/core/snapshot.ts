import type { Host } from "./host.js";
import type { Placement } from "./placement.js";
import type { Registry } from "./registry.js";
import { ReplicaIndex } from "./replica-index.js";

/**
 * A scheduler's cached view of the hosts. Decisions may use it while it is younger than `maxAgeMs`;
 * staleness costs a failed commit and a retry, never correctness, since the arbiter checks every commit.
 */
export class HostSnapshot {
  private hosts = new Map<string, Host>();
  private list: Host[] | undefined;
  private index = new ReplicaIndex();
  private contendedUntil = Number.NEGATIVE_INFINITY;
  private loadedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly registry: Pick<Registry, "listHosts">,
    private readonly maxAgeMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** True when the view is older than its bound. */
  isStale(): boolean {
    return this.nowMs() - this.loadedAt > this.maxAgeMs;
  }

  /** Reads every host from the registry. */
  async reload(): Promise<void> {
    const hosts = await this.registry.listHosts();
    this.hosts = new Map(hosts.map((host) => [host.id, host]));
    this.index = new ReplicaIndex(hosts);
    this.list = undefined;
    this.loadedAt = this.nowMs();
  }

  /** The hosts, as an array kept until the next change. */
  values(): readonly Host[] {
    this.list ??= [...this.hosts.values()];
    return this.list;
  }

  /** The hosts running `image` and how many replicas each (for spread scoring). */
  replicas(image: string): ReadonlyMap<Host, number> {
    return this.index.of(image);
  }

  /** Replaces one host with how the arbiter says it is now (or drops it when it is gone). */
  put(hostId: string, host: Host | undefined): void {
    this.index.replace(this.hosts.get(hostId), host);
    if (host) this.hosts.set(hostId, host);
    else this.hosts.delete(hostId);
    this.list = undefined;
  }

  /** Notes a failed commit: for one snapshot lifetime, decisions step aside from the single best host. */
  noteConflict(): void {
    this.contendedUntil = this.nowMs() + this.maxAgeMs;
  }

  /** True while a recent commit of this scheduler failed on a conflict. */
  isContended(): boolean {
    return this.nowMs() < this.contendedUntil;
  }

  /** Applies a committed placement, so the next decision of this warm container sees it. */
  reserve(placement: Placement): void {
    const host = this.hosts.get(placement.hostId);
    if (!host) return;
    this.put(host.id, {
      ...host,
      freeCpuMilli: host.freeCpuMilli - placement.cpuMilli,
      freeMemory: host.freeMemory - placement.memory,
      placements: [...host.placements, placement],
    });
  }
}
