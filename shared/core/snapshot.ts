import type { Host } from "./host.js";
import { type Placement, summaryOf } from "./placement.js";
import type { Registry } from "./registry.js";
import { type ReplicaCounts, ReplicaIndex } from "./replica-index.js";
import { type Amounts, added, amounts, freeCounters, freeOf, RESOURCES } from "./resources.js";

/**
 * About this many hosts in a slice: a reload reads one random slice of the hosts, not all of them, once
 * the cluster has a few slices' worth (Sparrow's sampling: each scheduler decides over its own sample,
 * reads a fraction of the table, and collides less with the others on the same "best" host). 40 is
 * where the simulation met its goals at 10,000 hosts (BENCHMARKS.md, section 5: one segment in 256).
 */
export const SLICE_HOSTS = 40;

/**
 * Slices of a scheduler's first read, before it knows the cluster's size: one random slice in this many,
 * whose hosts times this many estimate the size (a cluster too small to slice has an empty slice, and
 * is then read whole). A cold scheduler on 10,000 hosts reads 40 of them, not the whole table.
 */
export const FIRST_SLICES = 256;

/**
 * A scheduler's cached view of the hosts: every host, or one random slice of them (see SLICE_HOSTS).
 * Decisions may use it while it is younger than `maxAgeMs`; staleness costs a failed commit and a retry,
 * never correctness, since the arbiter checks every commit. Only a whole view says a request fits nowhere.
 */
export class HostSnapshot {
  private hosts = new Map<string, Host>();
  private list: Host[] | undefined;
  /** Built on first use after a reload (see `replicas`). */
  private index: ReplicaIndex | undefined;
  /** Per host, what the view debits for other schedulers' expected reservations (see `committed`). */
  private expected = new Map<string, Amounts>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  /** How many hosts the cluster has, as the last reload tells (unknown until the first, see FIRST_SLICES). */
  private clusterSize: number | undefined;
  private whole = false;

  constructor(
    private readonly registry: Pick<Registry, "listHosts" | "sliceHosts">,
    private readonly maxAgeMs: number,
    private readonly nowMs: () => number = Date.now,
    private readonly random: () => number = Math.random,
    /** About how many hosts a slice holds (Infinity: every reload reads every host). */
    private readonly sliceSize: number = SLICE_HOSTS,
  ) {}

  /** True when the view is older than its bound. */
  isStale(): boolean {
    return this.nowMs() - this.loadedAt > this.maxAgeMs;
  }

  /** True when the view holds every host (as of its reload), not a slice. */
  isWhole(): boolean {
    return this.whole;
  }

  /** Reads one random slice of the hosts, or every host while the cluster is under two slices' worth. */
  async reload(): Promise<void> {
    if (!Number.isFinite(this.sliceSize)) return this.reloadAll();
    const slices =
      this.clusterSize === undefined ? FIRST_SLICES : Math.floor(this.clusterSize / this.sliceSize);
    if (slices < 2) return this.reloadAll();
    const hosts = await this.registry.sliceHosts(Math.floor(this.random() * slices), slices);
    this.clusterSize = hosts.length * slices;
    // A slice too small to decide on (a cold read's of a small cluster, or an unlucky one): read it whole.
    if (this.clusterSize < 2 * this.sliceSize || hosts.length < this.sliceSize / 5) return this.reloadAll();
    this.replace(hosts, false);
  }

  /** Reads every host. */
  async reloadAll(): Promise<void> {
    const hosts = await this.registry.listHosts();
    this.clusterSize = hosts.length;
    this.replace(hosts, true);
  }

  private replace(hosts: Host[], whole: boolean): void {
    this.whole = whole;
    this.hosts = new Map();
    for (const host of hosts) this.hosts.set(host.id, host);
    this.index = undefined;
    this.expected.clear();
    this.list = undefined;
    this.loadedAt = this.nowMs();
  }

  /** The hosts, as an array kept until the next change. */
  values(): readonly Host[] {
    this.list ??= [...this.hosts.values()];
    return this.list;
  }

  /**
   * How many replicas of `image` each host runs (for spread scoring). The index behind it is built at
   * the first count asked after a reload: at 10,000 hosts it costs more than a decision, and the
   * packing types never ask.
   */
  replicas(image: string): ReplicaCounts {
    let counts: ReadonlyMap<Host, number> | undefined;
    return {
      get: (host) => {
        this.index ??= new ReplicaIndex(this.hosts.values());
        counts ??= this.index.of(image);
        return counts.get(host);
      },
    };
  }

  /** Replaces one host with how the arbiter says it is now (or drops it when it is gone). */
  put(hostId: string, host: Host | undefined): void {
    this.expected.delete(hostId);
    this.set(hostId, host);
  }

  /**
   * Applies a committed placement, so that the next decision of this warm container sees it. With the
   * host as the arbiter answered, the view takes it, and what other schedulers reserved there since the
   * view last saw it is debited once more: at that pace they take as much again before this scheduler's
   * next commit, so it steps aside from a host about to be full instead of conflicting on its last room.
   * The guess lasts until the host's next answer or reload; the arbiter still checks every commit.
   */
  committed(placement: Placement, answered?: Host): void {
    const host = this.hosts.get(placement.hostId);
    if (!answered) {
      if (host) this.set(host.id, reserved(host, placement));
      return;
    }
    const debit = this.expected.get(answered.id) ?? amounts();
    const others = amounts();
    const before = host && freeOf(host);
    const after = freeOf(answered);
    for (const { name } of RESOURCES) {
      const seen = before ? before[name] + debit[name] - placement.amounts[name] - after[name] : 0;
      others[name] = Math.max(0, seen);
    }
    this.set(answered.id, { ...answered, ...freeCounters(added(after, others, -1)) });
    this.expected.set(answered.id, others);
  }

  private set(hostId: string, host: Host | undefined): void {
    this.index?.replace(this.hosts.get(hostId), host);
    if (host) this.hosts.set(hostId, host);
    else this.hosts.delete(hostId);
    this.list = undefined;
  }
}

function reserved(host: Host, placement: Placement): Host {
  return {
    ...host,
    ...freeCounters(added(freeOf(host), placement.amounts, -1)),
    placements: [...host.placements, summaryOf(placement)],
  };
}
