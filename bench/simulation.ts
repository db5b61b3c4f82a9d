import { SCAN_SEGMENTS } from "../shared/adapters/dynamodb/registry.js";
import { type Host, newHost } from "../shared/core/host.js";
import { type PlacementRegistry, place } from "../shared/core/place.js";
import type { Placement } from "../shared/core/placement.js";
import type { CommitOutcome, CommitRequest, Registry } from "../shared/core/registry.js";
import { schedulerType } from "../shared/core/schedulers.js";
import { HostSnapshot } from "../shared/core/snapshot.js";
import { seededRandom } from "../test/support/random.js";
import { syntheticRequest } from "./cluster.js";

/**
 * The model of AWS the simulation runs in (virtual time, milliseconds). Round trips and scan speed are
 * typical same-region figures, stated here so that the projection can be redone with others.
 */
export const AWS_MODEL = {
  /** Lambda → DynamoDB → Lambda for one small read (GetItem). */
  readRoundTripMs: 4,
  /** A Scan page is at most 1 MB; a strongly consistent page takes about this long. */
  scanPageMs: 15,
  /** Bytes of a host item without placements, and per placement held in it. */
  hostItemBytes: 400,
  placementBytes: 220,
  snapshotMaxAgeMs: 2000,
  maxAttempts: 5,
  /** Share of the cluster's cpu kept reserved: past it, the oldest placement is released. */
  occupancy: 0.6,
  /** Lambda gives a function one vCPU at 1,769 MB: the scheduler's 512 MB run CPU work this much slower. */
  lambdaCpuFactor: 1769 / 512,
  lambdaMemoryGb: 0.5,
  /** On-demand prices (us-east-1): per million write and read request units, per million requests, per GB-s (arm64). */
  pricePerMillionWrites: 0.625,
  pricePerMillionReads: 0.125,
  pricePerMillionInvocations: 0.2,
  pricePerGbSecond: 0.0000133334,
};

/** How the arbiter stores placements: what a commit costs and what a snapshot's Scan reads. */
export interface ArbiterDesign {
  name: string;
  /** Bytes of a host's item in the table the snapshots scan. */
  scannedBytes: (host: Host) => number;
  /** Write request units of one commit or release on the host. */
  writeUnits: (host: Host) => number;
  commitRoundTripMs: number;
  /** The host item's time per write: DynamoDB takes about 1,000 writes/s on one item, half in transactions. */
  itemWriteMs: number;
  /** Whether a successful commit returns the host (`ALL_NEW`); a transaction returns nothing. */
  answersHost: boolean;
  /** Whether host items hold the placements (else the snapshots read counters and per-image counts only). */
  holdsPlacements: boolean;
}

const itemBytes = (host: Host) => AWS_MODEL.hostItemBytes + host.placements.length * AWS_MODEL.placementBytes;
const distinctImages = (host: Host) => new Set(host.placements.map((placement) => placement.image)).size;

export const DESIGNS: ArbiterDesign[] = [
  {
    name: "placements in the host item (one conditional UpdateItem; Citadel today)",
    scannedBytes: itemBytes,
    writeUnits: (host) => Math.ceil(itemBytes(host) / 1024),
    commitRoundTripMs: 6,
    itemWriteMs: 1,
    answersHost: true,
    holdsPlacements: true,
  },
  {
    name: "placements as items of their own (a transaction: host counters and per-image counts + the placement)",
    scannedBytes: (host) => AWS_MODEL.hostItemBytes + 40 * distinctImages(host),
    // Two items of at most 1 KB, each written transactionally (two units per KB).
    writeUnits: () => 4,
    commitRoundTripMs: 12,
    itemWriteMs: 2,
    answersHost: false,
    holdsPlacements: false,
  },
];

export interface SimulationResult {
  design: string;
  hosts: number;
  schedulers: number;
  placements: number;
  livePlacements: number;
  virtualSeconds: number;
  projectedPlacementsPerSecond: number;
  commits: number;
  conflictRate: number;
  contention503: number;
  unschedulable409: number;
  hottestItemWritesPerSecond: number;
  snapshotReloads: number;
  /** Share of the schedulers' time spent reading snapshots. */
  scanningShare: number;
  /** Share of the schedulers' time spent deciding (CPU, scaled to the Lambda's share of a vCPU). */
  decidingShare: number;
  writeUnitsPerMillion: number;
  readUnitsPerMillion: number;
  invocationsPerMillion: number;
  dollarsPerMillion: number;
  /** Each fifth of the run's virtual time: whether the rates held steady (the cluster drifts as it packs). */
  timeline: { fromSecond: number; placementsPerSecond: number; conflictRate: number }[];
  wallSeconds: number;
}

/**
 * Virtual time for schedulers that run as concurrent tasks: a task that reaches the arbiter waits here
 * until every other task has reached a later time, so that the arbiter sees reads and writes in time order.
 */
export class VirtualTime {
  private readonly waiting: { at: number; resume: () => void }[] = [];
  private active = 0;

  /** Runs `tasks` to completion, one at a time, always resuming the one with the earliest time. */
  async run(tasks: (() => Promise<void>)[]): Promise<void> {
    this.active = tasks.length;
    await Promise.all(
      tasks.map(async (task) => {
        await task();
        this.active--;
        this.next();
      }),
    );
  }

  /** Suspends the calling task until `at` is the earliest time any task waits for. */
  until(at: number): Promise<void> {
    return new Promise((resume) => {
      this.waiting.push({ at, resume });
      this.next();
    });
  }

  private next(): void {
    if (this.waiting.length === 0 || this.waiting.length < this.active) return;
    let earliest = 0;
    for (const [index, entry] of this.waiting.entries()) {
      if (entry.at < (this.waiting[earliest]?.at ?? 0)) earliest = index;
    }
    const [entry] = this.waiting.splice(earliest, 1);
    entry?.resume();
  }
}

/** One scheduler (a warm Lambda): its clock, its snapshot, and its way to the arbiter. */
class Worker {
  clock = 0;
  /** Wall time when this worker's CPU work last started counting. */
  mark = 0;
  readonly registry: PlacementRegistry & Pick<Registry, "listHosts" | "sliceHosts">;
  readonly snapshot: HostSnapshot;

  constructor(arbiter: SimulatedArbiter, time: VirtualTime) {
    this.registry = arbiter.registryFor(this, time);
    this.snapshot = new HostSnapshot(this.registry, AWS_MODEL.snapshotMaxAgeMs, () => this.clock);
  }

  /** Adds the CPU time spent since the last mark, scaled to the Lambda's share of a vCPU. */
  decided(arbiter: SimulatedArbiter): void {
    const cpu = (performance.now() - this.mark) * AWS_MODEL.lambdaCpuFactor;
    this.clock += cpu;
    arbiter.decidingMs += cpu;
  }
}

/** The true state, shared by every scheduler: hosts, each item's write queue, and what it all cost. */
class SimulatedArbiter {
  readonly hosts: Host[];
  /** The hosts as a snapshot reads them (without placements when the items do not hold them). */
  private readonly scanned: Host[];
  readonly totalCpu: number;
  /** Per host item, its writes in each second from the one before the latest on (older ones are dropped). */
  private readonly itemWrites = new Map<number, Map<number, number>>();
  private hottestWrites = 0;
  /** Live placements, oldest first from `oldest` (the released ones before it are dropped now and then). */
  private live: { index: number; placement: Placement }[] = [];
  private oldest = 0;
  private released = 0;
  liveCpu = 0;
  tableBytes = 0;
  commits = 0;
  conflicts = 0;
  writeUnits = 0;
  readUnits = 0;
  reloads = 0;
  scanningMs = 0;
  decidingMs = 0;

  constructor(
    readonly design: ArbiterDesign,
    count: number,
    random: () => number,
  ) {
    const at = new Date(0);
    const empty = Array.from({ length: count }, (_, index) =>
      newHost(
        {
          addr: `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}:2375`,
          id: `h${index}`,
          total_cpus: 64_000,
          total_memory: 262_144,
        },
        at,
      ),
    );
    this.totalCpu = empty.reduce((sum, host) => sum + (host.totalCpuMilli ?? 0), 0);
    // Start at the occupancy, placements on random hosts (not yet as binpack would have packed them).
    const placed: Placement[][] = empty.map(() => []);
    while (this.liveCpu < AWS_MODEL.occupancy * this.totalCpu) {
      const index = Math.floor(random() * count);
      const request = syntheticRequest("batch", random);
      const made = placementOf(`h${index}`, request.cpuMilli, request.memory, request.image);
      placed[index]?.push(made);
      this.live.push({ index, placement: made });
      this.liveCpu += made.cpuMilli;
    }
    this.hosts = empty.map((host, index) => reserved(host, placed[index] ?? []));
    this.scanned = this.hosts.map((host) => this.asScanned(host));
    for (const host of this.hosts) this.tableBytes += design.scannedBytes(host);
  }

  /** One write on a host item arriving at `arrival`; returns when it is served (a full second of the item waits). */
  write(index: number, arrival: number): number {
    const limit = 1000 / this.design.itemWriteMs;
    let second = Math.floor(arrival / 1000);
    let seconds = this.itemWrites.get(index);
    if (!seconds) {
      seconds = new Map();
      this.itemWrites.set(index, seconds);
    }
    // Arrivals come in time order give or take a round trip: a second before the last is done with.
    for (const past of seconds.keys()) if (past < second - 1) seconds.delete(past);
    while ((seconds.get(second) ?? 0) >= limit) second++;
    const writes = (seconds.get(second) ?? 0) + 1;
    seconds.set(second, writes);
    this.hottestWrites = Math.max(this.hottestWrites, writes);
    this.writeUnits += this.design.writeUnits(this.hosts[index] as Host);
    return Math.max(arrival, second * 1000) + this.design.itemWriteMs;
  }

  /** Replaces a host, keeping the table's size. */
  set(index: number, host: Host): void {
    this.tableBytes += this.design.scannedBytes(host) - this.design.scannedBytes(this.hosts[index] as Host);
    this.hosts[index] = host;
    this.scanned[index] = this.asScanned(host);
  }

  private asScanned(host: Host): Host {
    return this.design.holdsPlacements ? host : { ...host, placements: [] };
  }

  /** Reserves a committed placement, then releases the oldest ones while the cluster is above its occupancy. */
  commit(index: number, placement: Placement, now: number): Host {
    const host = reserved(this.hosts[index] as Host, [placement]);
    this.set(index, host);
    this.live.push({ index, placement });
    this.liveCpu += placement.cpuMilli;
    while (this.liveCpu > AWS_MODEL.occupancy * this.totalCpu && this.oldest < this.live.length) {
      const gone = this.live[this.oldest] as { index: number; placement: Placement };
      this.oldest++;
      this.released++;
      // A caller's DELETE: one write on the host item.
      this.write(gone.index, now);
      const holder = this.hosts[gone.index] as Host;
      this.set(gone.index, {
        ...holder,
        freeCpuMilli: holder.freeCpuMilli + gone.placement.cpuMilli,
        freeMemory: holder.freeMemory + gone.placement.memory,
        placements: holder.placements.filter((live) => live.id !== gone.placement.id),
      });
      this.liveCpu -= gone.placement.cpuMilli;
    }
    if (this.oldest > 100_000) {
      this.live = this.live.slice(this.oldest);
      this.oldest = 0;
    }
    return host;
  }

  releases(): number {
    return this.released;
  }

  hottestItemWritesPerSecond(): number {
    return this.hottestWrites;
  }

  /**
   * One scheduler's view of the arbiter: every call waits for its turn in virtual time, acts on the
   * true state then, and advances that scheduler's clock by what it costs.
   */
  registryFor(
    worker: Worker,
    time: VirtualTime,
  ): PlacementRegistry & Pick<Registry, "listHosts" | "sliceHosts"> {
    const design = this.design;
    /** Counts the CPU work done since the last call, then waits until the arbiter's time is `at`. */
    const turn = async (at: () => number) => {
      worker.decided(this);
      await time.until(at());
    };
    const done = <T>(value: T): T => {
      worker.mark = performance.now();
      return value;
    };
    /** A Scan of `share` of the table in `parallel` segments, each one 1 MB page after another. */
    const scan = async (share: number, parallel: number) => {
      await turn(() => worker.clock);
      const bytes = this.tableBytes * share;
      const scanMs = Math.ceil(bytes / 1_000_000 / parallel) * AWS_MODEL.scanPageMs;
      worker.clock += scanMs;
      this.scanningMs += scanMs;
      this.readUnits += Math.ceil(bytes / 4096);
      this.reloads++;
    };
    return {
      listHosts: async () => {
        await scan(1, SCAN_SEGMENTS);
        return done(this.scanned.slice());
      },
      sliceHosts: async (slice, slices) => {
        await scan(1 / slices, 1);
        return done(this.scanned.filter((_, index) => index % slices === slice));
      },
      commit: async ({ placement }: CommitRequest): Promise<CommitOutcome> => {
        await turn(() => worker.clock + design.commitRoundTripMs / 2);
        const index = Number(placement.hostId.slice(1));
        const served = this.write(index, worker.clock + design.commitRoundTripMs / 2);
        worker.clock = served + design.commitRoundTripMs / 2;
        this.commits++;
        const host = this.hosts[index] as Host;
        if (host.freeCpuMilli >= placement.cpuMilli && host.freeMemory >= placement.memory) {
          const now = this.commit(index, placement, served);
          return done({ kind: "committed", ...(design.answersHost && { host: now }) });
        }
        this.conflicts++;
        return done({ kind: "conflict", host: this.asScanned(host) });
      },
      getHost: async (id: string) => {
        await turn(() => worker.clock);
        worker.clock += AWS_MODEL.readRoundTripMs;
        const host = this.hosts[Number(id.slice(1))];
        if (host) this.readUnits += Math.ceil(itemBytes(host) / 4096);
        return done(host && this.asScanned(host));
      },
      // The simulated requests carry no idempotency keys.
      findIdempotencyRecord: async () => undefined,
      recordRefusal: async () => undefined,
    };
  }
}

let made = 0;

/** How many parts of its virtual time a run's timeline shows. */
const TIMELINE_WINDOWS = 5;

/** A placement already in the cluster when the simulation starts (ids need not be random here). */
function placementOf(hostId: string, cpuMilli: number, memory: number, image: string): Placement {
  return {
    id: `${hostId}.start${(made++).toString(36)}`,
    hostId,
    image,
    cpuMilli,
    memory,
    scheduler: "batch",
    createdAt: "1970-01-01T00:00:00.000Z",
    container: {},
  };
}

function reserved(host: Host, placements: Placement[]): Host {
  return {
    ...host,
    freeCpuMilli: host.freeCpuMilli - placements.reduce((sum, one) => sum + one.cpuMilli, 0),
    freeMemory: host.freeMemory - placements.reduce((sum, one) => sum + one.memory, 0),
    placements: [...host.placements, ...placements],
  };
}

/**
 * `schedulers` schedulers place batch containers on `hosts` hosts kept at a steady occupancy (the
 * oldest placements are released), in virtual time, until `placements` are placed or `seconds` pass. Each scheduler is the product's own
 * `place` with its own `HostSnapshot`; the arbiter is simulated: it checks every commit against the true
 * state and serves each item at most `1 / itemWriteMs` writes per millisecond.
 */
export async function simulate(
  design: ArbiterDesign,
  size: { hosts: number; schedulers: number; placements: number; seconds: number },
): Promise<SimulationResult> {
  const { hosts, schedulers, placements } = size;
  const started = performance.now();
  const random = seededRandom(99);
  const arbiter = new SimulatedArbiter(design, hosts, random);
  const batch = schedulerType("batch");
  if (!batch) throw new Error("no batch scheduler");
  const time = new VirtualTime();
  const workers = Array.from({ length: schedulers }, () => new Worker(arbiter, time));
  let placed = 0;
  let requests = 0;
  let contention = 0;
  let unschedulable = 0;
  const windowMs = (size.seconds * 1000) / TIMELINE_WINDOWS;
  const windows = Array.from({ length: TIMELINE_WINDOWS }, () => ({ placed: 0, commits: 0, conflicts: 0 }));
  await time.run(
    workers.map((worker) => async () => {
      while (placed < placements && worker.clock < size.seconds * 1000) {
        const request = syntheticRequest("batch", random);
        requests++;
        worker.mark = performance.now();
        const outcome = await place(
          batch,
          { request, container: {}, fingerprint: "", deliveryId: `d${requests}` },
          {
            registry: worker.registry,
            snapshot: worker.snapshot,
            maxAttempts: AWS_MODEL.maxAttempts,
            now: () => new Date(worker.clock),
            random,
            sleep: async (ms) => {
              worker.clock += ms;
            },
          },
        );
        worker.decided(arbiter);
        const window = windows[Math.min(TIMELINE_WINDOWS - 1, Math.floor(worker.clock / windowMs))];
        if (window) {
          window.commits += outcome.stats.attempts;
          window.conflicts += outcome.stats.conflicts;
          if (outcome.kind === "placed") window.placed++;
        }
        if (outcome.kind === "placed") placed++;
        else if (outcome.kind === "contention") contention++;
        else if (outcome.kind === "unschedulable") unschedulable++;
      }
    }),
  );
  const virtualMs = Math.max(...workers.map((worker) => worker.clock));
  const perMillion = 1_000_000 / placed;
  // A router and a scheduler invocation per request, a router invocation per release; the router
  // waits on the scheduler, so both are billed for the schedulers' busy time.
  const invocations = (2 * requests + arbiter.releases()) * perMillion;
  const lambdaSeconds = 2 * (virtualMs / 1000) * schedulers * perMillion;
  const dollars =
    (arbiter.writeUnits * perMillion * AWS_MODEL.pricePerMillionWrites) / 1e6 +
    (arbiter.readUnits * perMillion * AWS_MODEL.pricePerMillionReads) / 1e6 +
    (invocations * AWS_MODEL.pricePerMillionInvocations) / 1e6 +
    lambdaSeconds * AWS_MODEL.lambdaMemoryGb * AWS_MODEL.pricePerGbSecond;
  const busyMs = virtualMs * schedulers;
  return {
    design: design.name,
    hosts,
    schedulers,
    placements: placed,
    livePlacements: arbiter.hosts.reduce((sum, host) => sum + host.placements.length, 0),
    virtualSeconds: Number((virtualMs / 1000).toFixed(1)),
    projectedPlacementsPerSecond: Math.round(placed / (virtualMs / 1000)),
    commits: arbiter.commits,
    conflictRate: Number((arbiter.conflicts / Math.max(1, arbiter.commits)).toFixed(4)),
    contention503: contention,
    unschedulable409: unschedulable,
    hottestItemWritesPerSecond: arbiter.hottestItemWritesPerSecond(),
    snapshotReloads: arbiter.reloads,
    scanningShare: Number((arbiter.scanningMs / busyMs).toFixed(3)),
    decidingShare: Number((arbiter.decidingMs / busyMs).toFixed(3)),
    writeUnitsPerMillion: Math.round(arbiter.writeUnits * perMillion),
    readUnitsPerMillion: Math.round(arbiter.readUnits * perMillion),
    invocationsPerMillion: Math.round(invocations),
    dollarsPerMillion: Number(dollars.toFixed(2)),
    timeline: windows
      .map((window, index) => ({
        window,
        from: index * windowMs,
        to: Math.min((index + 1) * windowMs, virtualMs),
      }))
      .filter(({ from, to }) => to > from)
      .map(({ window, from, to }) => ({
        fromSecond: Number((from / 1000).toFixed(1)),
        placementsPerSecond: Math.round(window.placed / ((to - from) / 1000)),
        conflictRate: Number((window.conflicts / Math.max(1, window.commits)).toFixed(3)),
      })),
    wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
}
