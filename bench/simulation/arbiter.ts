import { SCAN_SEGMENTS } from "../../shared/adapters/dynamodb/registry.js";
import type { Host } from "../../shared/core/host.js";
import type { PlacementRegistry } from "../../shared/core/place.js";
import { type Placement, summaryOf } from "../../shared/core/placement.js";
import type { CommitOutcome, CommitRequest } from "../../shared/core/registry.js";
import { added, amounts, freeCounters, freeOf } from "../../shared/core/resources.js";
import { HostSnapshot, SLICE_HOSTS } from "../../shared/core/snapshot.js";
import { simulatedHost, syntheticRequest } from "../cluster.js";
import { CHANGE_SHARDS, type Design } from "./designs.js";
import { AWS_MODEL, readUnits } from "./model.js";
import { type ChangeFeed, IncrementalSnapshot } from "./snapshot.js";
import type { VirtualTime } from "./time.js";

/**
 * The process's CPU time in ms: deciding is measured in CPU time rather than wall time, so that other
 * work on a shared machine does not slow the schedulers' virtual clocks (garbage collection still counts).
 */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One scheduler (a warm Lambda): its clock, its snapshot, and its way to the arbiter. */
export class Worker {
  clock = 0;
  /** The process's CPU time (ms) when this worker's CPU work last started counting. */
  mark = 0;
  /** How far this worker's incremental view has read the arbiter's change log. */
  readUpTo = 0;
  readonly registry: PlacementRegistry & ChangeFeed;
  readonly snapshot: HostSnapshot;

  constructor(arbiter: SimulatedArbiter, time: VirtualTime) {
    this.registry = arbiter.registryFor(this, time);
    const { snapshot } = arbiter.design;
    // The product's snapshot slices by itself (about SLICE_HOSTS a slice); the other designs read every host.
    this.snapshot =
      snapshot.coverage === "changes"
        ? new IncrementalSnapshot(this.registry, snapshot.maxAgeMs, () => this.clock)
        : new HostSnapshot(
            this.registry,
            snapshot.maxAgeMs,
            () => this.clock,
            arbiter.random,
            snapshot.coverage === "slice" ? SLICE_HOSTS : Number.POSITIVE_INFINITY,
          );
  }

  /** Adds the CPU time spent since the last mark, scaled to the Lambda's share of a vCPU. */
  decided(arbiter: SimulatedArbiter): void {
    const cpu = (cpuMs() - this.mark) * AWS_MODEL.lambdaCpuFactor;
    this.clock += cpu;
    arbiter.decidingMs += cpu;
  }
}

/**
 * Write units each key (a host item, or a partition key of the changes index) took in each second from
 * the one before the latest on: DynamoDB serves at most `AWS_MODEL.itemWritesPerSecond` units a second
 * on one, and a write that finds its second full waits for the next.
 */
class ItemThrottle {
  private readonly seconds = new Map<string, Map<number, number>>();
  /** The most units one key took in one second. */
  hottest = 0;

  /** The first second from `second` on in which every key has room for its units; takes them there. */
  serve(charges: [key: string, units: number][], second: number): number {
    let at = second;
    while (charges.some(([key, units]) => this.used(key, at) + units > AWS_MODEL.itemWritesPerSecond)) at++;
    for (const [key, units] of charges) {
      let seconds = this.seconds.get(key);
      if (!seconds) {
        seconds = new Map();
        this.seconds.set(key, seconds);
      }
      // Arrivals come in time order give or take a round trip: a second before the last is done with.
      for (const past of seconds.keys()) if (past < second - 1) seconds.delete(past);
      const used = (seconds.get(at) ?? 0) + units;
      seconds.set(at, used);
      this.hottest = Math.max(this.hottest, used);
    }
    return at;
  }

  private used(key: string, second: number): number {
    return this.seconds.get(key)?.get(second) ?? 0;
  }
}

/** Units per second of virtual time, to compare the busiest second with the table's quota. */
class UnitsPerSecond {
  private readonly seconds: number[] = [];
  total = 0;

  add(units: number, at: number): void {
    const second = Math.max(0, Math.floor(at / 1000));
    this.seconds[second] = (this.seconds[second] ?? 0) + units;
    this.total += units;
  }

  peak(): number {
    return Math.round(Math.max(0, ...this.seconds.filter((units) => units !== undefined)));
  }
}

/**
 * The true state, shared by every scheduler: hosts, each item's write queue, what a read sees (the
 * table, or an index behind it), and what it all cost.
 */
export class SimulatedArbiter {
  readonly hosts: Host[];
  /** The hosts as a read of the table gives them (without placements when the items do not hold them). */
  private readonly visible: Host[];
  /** With an index: each host's recent versions, oldest first, for reads that lag behind. */
  private readonly versions: { at: number; host: Host }[][] = [];
  /** With the changes index: which host changed when, in time order (give or take a round trip). */
  private readonly changeTimes: number[] = [];
  private readonly changeHosts: number[] = [];
  /** Per count of slices, each slice's hosts (DynamoDB hashes items to segments: any fixed split). */
  private readonly slices = new Map<number, number[][]>();
  private readonly everyHost: number[];
  readonly totalCpu: number;
  private readonly hostThrottle = new ItemThrottle();
  private readonly indexThrottle = new ItemThrottle();
  /** Live placements, oldest first from `oldest` (the released ones before it are dropped now and then). */
  private live: { index: number; placement: Placement }[] = [];
  private oldest = 0;
  private released = 0;
  liveCpu = 0;
  /** Bytes of every host item together (what a Scan of the whole table reads). */
  private tableBytes = 0;
  commits = 0;
  conflicts = 0;
  /** Write units on the hosts table (and its index); the quota is per table, so records count apart. */
  readonly writes = new UnitsPerSecond();
  /** Write units on the placements table (the records a design keeps beside its host items). */
  readonly recordWrites = new UnitsPerSecond();
  readonly reads = new UnitsPerSecond();
  reloads = 0;
  scanningMs = 0;
  decidingMs = 0;

  constructor(
    readonly design: Design,
    count: number,
    readonly random: () => number,
  ) {
    const empty = Array.from({ length: count }, (_, index) => simulatedHost(index, new Date(0)));
    this.totalCpu = empty.reduce((sum, host) => sum + (host.total.cpu ?? 0), 0);
    // Start at the occupancy, placements on random hosts (not yet as binpack would have packed them).
    const placed: Placement[][] = empty.map(() => []);
    while (this.liveCpu < AWS_MODEL.occupancy * this.totalCpu) {
      const index = Math.floor(random() * count);
      const request = syntheticRequest("batch", random);
      const made = placementOf(`h${index}`, request.amounts.cpu, request.amounts.memory, request.image);
      placed[index]?.push(made);
      this.live.push({ index, placement: made });
      this.liveCpu += made.amounts.cpu;
    }
    this.hosts = empty.map((host, index) => reserved(host, placed[index] ?? []));
    this.visible = this.hosts.map((host) => this.asRead(host));
    if (design.snapshot.index) {
      this.versions = this.visible.map((host) => [{ at: Number.NEGATIVE_INFINITY, host }]);
    }
    for (const host of this.hosts) this.tableBytes += design.storage.itemBytes(host);
    this.everyHost = this.hosts.map((_, index) => index);
  }

  /** The hosts of slice `slice` of `slices`. */
  private slice(slice: number, slices: number): number[] {
    let cut = this.slices.get(slices);
    if (!cut) {
      cut = Array.from({ length: slices }, () => []);
      for (const index of this.everyHost) cut[index % slices]?.push(index);
      this.slices.set(slices, cut);
    }
    return cut[slice] ?? [];
  }

  /**
   * One write of `units` on a host item arriving at `arrival` (and the index entries it changes when
   * `changed`); returns when it is served.
   */
  private write(index: number, arrival: number, units: number, changed: boolean): number {
    const { snapshot } = this.design;
    const indexUnits = changed ? snapshot.indexWriteUnits : 0;
    const second = Math.floor(arrival / 1000);
    let served = this.hostThrottle.serve([[`h${index}`, units]], second);
    // The changes index: every write lands on its shard's partition key; throttled there, it holds the table's write back.
    if (indexUnits > 0 && snapshot.coverage === "changes") {
      served = this.indexThrottle.serve([[`s${index % CHANGE_SHARDS}`, indexUnits]], served);
    }
    this.writes.add(units + indexUnits, arrival);
    // One millisecond of the item's time per unit.
    return Math.max(arrival, served * 1000) + units;
  }

  /** Replaces a host at time `at`, keeping the table's size and what reads will see. */
  private set(index: number, host: Host, at: number): void {
    const { storage, snapshot } = this.design;
    this.tableBytes += storage.itemBytes(host) - storage.itemBytes(this.hosts[index] as Host);
    this.hosts[index] = host;
    const read = this.asRead(host);
    this.visible[index] = read;
    const versions = this.versions[index];
    if (versions) {
      versions.push({ at, host: read });
      // Keep the newest version the index shows at `at` and every later one.
      while ((versions[1]?.at ?? Number.POSITIVE_INFINITY) <= at - AWS_MODEL.gsiLagMs) versions.shift();
    }
    if (snapshot.coverage === "changes") {
      this.changeTimes.push(at);
      this.changeHosts.push(index);
    }
  }

  private asRead(host: Host): Host {
    return this.design.storage.holdsPlacements ? host : { ...host, placements: [] };
  }

  /** The host as a read at `at` sees it: the table now, or the index as it was `gsiLagMs` before. */
  private seen(index: number, at: number): Host {
    const versions = this.versions[index];
    if (!versions) return this.visible[index] as Host;
    for (let version = versions.length - 1; version > 0; version--) {
      const entry = versions[version] as { at: number; host: Host };
      if (entry.at <= at - AWS_MODEL.gsiLagMs) return entry.host;
    }
    return (versions[0] as { host: Host }).host;
  }

  /** Reserves a committed placement, then releases the oldest ones while the cluster is above its occupancy. */
  private commit(index: number, host: Host, placement: Placement, now: number): void {
    this.set(index, host, now);
    this.live.push({ index, placement });
    this.liveCpu += placement.amounts.cpu;
    const { storage } = this.design;
    while (this.liveCpu > AWS_MODEL.occupancy * this.totalCpu && this.oldest < this.live.length) {
      const gone = this.live[this.oldest] as { index: number; placement: Placement };
      this.oldest++;
      this.released++;
      // A caller's DELETE: a write on the host item (and what the storage reads and writes beside it).
      const holder = this.hosts[gone.index] as Host;
      const after = {
        ...holder,
        ...freeCounters(added(freeOf(holder), gone.placement.amounts)),
        placements: holder.placements.filter((live) => live.id !== gone.placement.id),
      };
      const served = this.write(gone.index, now, storage.hostWriteUnits(holder, after), true);
      this.recordWrites.add(storage.aside.releaseWrites, now);
      this.reads.add(storage.aside.releaseReads, now);
      this.set(gone.index, after, served);
      this.liveCpu -= gone.placement.amounts.cpu;
    }
    if (this.oldest > 100_000) {
      this.live = this.live.slice(this.oldest);
      this.oldest = 0;
    }
  }

  releases(): number {
    return this.released;
  }

  hottestItemWriteUnitsPerSecond(): number {
    return this.hostThrottle.hottest;
  }

  hottestIndexPartitionWriteUnitsPerSecond(): number {
    return this.indexThrottle.hottest;
  }

  /** A read of `indices` at `at` (a Scan of a table or index segment, or Queries of changed hosts). */
  private read(indices: readonly number[], at: number, parallel: number): { hosts: Host[]; ms: number } {
    const { storage, snapshot } = this.design;
    const hosts = indices.map((index) => this.seen(index, at));
    const bytes = snapshot.index
      ? hosts.length * AWS_MODEL.bytes.projected
      : indices === this.everyHost
        ? this.tableBytes
        : indices.reduce((sum, index) => sum + storage.itemBytes(this.hosts[index] as Host), 0);
    // Each of the parallel requests rounds its units up on its own.
    this.reads.add(readUnits(bytes, !snapshot.index) + (parallel - 1) * (snapshot.index ? 0.5 : 1), at);
    return { hosts, ms: AWS_MODEL.readRoundTripMs + (bytes / parallel / 1_000_000) * AWS_MODEL.scanPageMs };
  }

  /** Which hosts changed since `worker` last read, up to what the index shows at `at`; advances the worker. */
  private changedSince(worker: Worker, at: number): number[] {
    const changed = new Set<number>();
    let next = worker.readUpTo;
    while (next < this.changeTimes.length && (this.changeTimes[next] as number) <= at - AWS_MODEL.gsiLagMs) {
      changed.add(this.changeHosts[next] as number);
      next++;
    }
    worker.readUpTo = next;
    return [...changed];
  }

  /**
   * One scheduler's view of the arbiter: every call waits for its turn in virtual time, acts on the
   * true state then, and advances that scheduler's clock by what it costs.
   */
  registryFor(worker: Worker, time: VirtualTime): PlacementRegistry & ChangeFeed {
    const { storage, snapshot } = this.design;
    /** Counts the CPU work done since the last call, then waits until the arbiter's time is `at`. */
    const turn = async (at: () => number) => {
      worker.decided(this);
      await time.until(at());
    };
    const done = <T>(value: T): T => {
      worker.mark = cpuMs();
      return value;
    };
    const scanned = (read: { hosts: Host[]; ms: number }) => {
      worker.clock += read.ms;
      this.scanningMs += read.ms;
      this.reloads++;
      return done(read.hosts);
    };
    return {
      listHosts: async () => {
        await turn(() => worker.clock);
        // An incremental view starts from every host: what it reads next is what changed after now.
        if (snapshot.coverage === "changes") this.changedSince(worker, worker.clock);
        return scanned(this.read(this.everyHost, worker.clock, SCAN_SEGMENTS));
      },
      sliceHosts: async (slice: number, slices: number) => {
        await turn(() => worker.clock);
        return scanned(this.read(this.slice(slice, slices), worker.clock, 1));
      },
      changedHosts: async () => {
        await turn(() => worker.clock);
        return scanned(this.read(this.changedSince(worker, worker.clock), worker.clock, CHANGE_SHARDS));
      },
      commit: async ({ placement }: CommitRequest): Promise<CommitOutcome> => {
        const half = storage.commitRoundTripMs / 2;
        await turn(() => worker.clock + half);
        const index = Number(placement.hostId.slice(1));
        const host = this.hosts[index] as Host;
        const fits = host.freeCpu >= placement.amounts.cpu && host.freeMemory >= placement.amounts.memory;
        const after = fits ? reserved(host, [placement]) : host;
        // A failed conditional write still costs its units (the item as it is).
        const served = this.write(index, worker.clock + half, storage.hostWriteUnits(host, after), fits);
        this.recordWrites.add(
          storage.aside.attemptWrites + (fits ? 0 : storage.aside.conflictWrites),
          served,
        );
        worker.clock = served + half;
        this.commits++;
        if (fits) {
          this.commit(index, after, placement, served);
          return done({ kind: "committed", ...(storage.answersHost && { host: this.asRead(after) }) });
        }
        this.conflicts++;
        return done({ kind: "conflict", host: this.asRead(host) });
      },
      getHost: async (id: string) => {
        await turn(() => worker.clock);
        worker.clock += AWS_MODEL.readRoundTripMs;
        const host = this.hosts[Number(id.slice(1))];
        if (host) this.reads.add(readUnits(storage.itemBytes(host), true), worker.clock);
        return done(host && this.asRead(host));
      },
      // The simulated requests carry no idempotency keys.
      findIdempotencyRecord: async () => undefined,
      recordRefusal: async () => undefined,
    };
  }
}

let made = 0;

/** A placement already in the cluster when the simulation starts (ids need not be random here). */
function placementOf(hostId: string, cpuMilli: number, memory: number, image: string): Placement {
  return {
    id: `${hostId}.start${(made++).toString(36)}`,
    hostId,
    image,
    amounts: amounts({ cpu: cpuMilli, memory }),
    scheduler: "batch",
    createdAt: "1970-01-01T00:00:00.000Z",
    container: {},
  };
}

function reserved(host: Host, placements: Placement[]): Host {
  return {
    ...host,
    ...freeCounters(placements.reduce((free, one) => added(free, one.amounts, -1), freeOf(host))),
    placements: [...host.placements, ...placements.map(summaryOf)],
  };
}
