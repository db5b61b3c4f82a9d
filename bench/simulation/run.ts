import { place } from "../../shared/core/place.js";
import { schedulerType } from "../../shared/core/schedulers.js";
import { seededRandom } from "../../test/support/random.js";
import { syntheticRequest } from "../cluster.js";
import { cpuMs, SimulatedArbiter, Worker } from "./arbiter.js";
import { type Design, designKey, designName } from "./designs.js";
import { AWS_MODEL } from "./model.js";
import { VirtualTime } from "./time.js";

export interface SimulationResult {
  /** `storage/snapshot/schedulers` (see `designKey`). */
  key: string;
  design: string;
  storage: string;
  snapshot: string;
  /** The product's design today. */
  product: boolean;
  /** The product's design before placement records and slices. */
  previous: boolean;
  hosts: number;
  schedulers: number;
  requests: number;
  placements: number;
  livePlacements: number;
  virtualSeconds: number;
  projectedPlacementsPerSecond: number;
  commits: number;
  conflictRate: number;
  contention503: number;
  unschedulable409: number;
  hottestItemWriteUnitsPerSecond: number;
  /** The busiest partition key of the changes index (0 without one). */
  hottestIndexPartitionWriteUnitsPerSecond: number;
  /**
   * The busiest second's write units on the busiest table (a table and its indexes together), against
   * the per-table quota: the hosts table's and the placements table's peaks, whichever is higher.
   */
  peakWriteUnitsPerSecond: number;
  peakReadUnitsPerSecond: number;
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

/** How many parts of its virtual time a run's timeline shows. */
const TIMELINE_WINDOWS = 5;

/**
 * The design's schedulers place batch containers on `hosts` hosts kept at a steady occupancy (the oldest
 * placements are released), in virtual time, until `placements` are placed or `seconds` pass. Each
 * scheduler is the product's own `place` with its own snapshot; the arbiter is simulated: it checks every
 * commit against the true state and serves each item at most 1,000 write units a second. `schedulers`
 * overrides the design's count.
 */
export async function simulate(
  design: Design,
  size: { hosts: number; placements: number; seconds: number; schedulers?: number },
): Promise<SimulationResult> {
  const { hosts, placements } = size;
  const schedulers = size.schedulers ?? design.schedulers;
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
        const input = { request, container: {}, fingerprint: "", deliveryId: `d${requests}` };
        const deps = {
          registry: worker.registry,
          snapshot: worker.snapshot,
          maxAttempts: AWS_MODEL.maxAttempts,
          now: () => new Date(worker.clock),
          random,
          sleep: async (ms: number) => {
            worker.clock += ms;
          },
        };
        worker.mark = cpuMs();
        const outcome = await place(batch, input, deps);
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
    ((arbiter.writes.total + arbiter.recordWrites.total) * perMillion * AWS_MODEL.pricePerMillionWrites) /
      1e6 +
    (arbiter.reads.total * perMillion * AWS_MODEL.pricePerMillionReads) / 1e6 +
    (invocations * AWS_MODEL.pricePerMillionInvocations) / 1e6 +
    lambdaSeconds * AWS_MODEL.lambdaMemoryGb * AWS_MODEL.pricePerGbSecond;
  const busyMs = virtualMs * schedulers;
  return {
    key: designKey({ ...design, schedulers }),
    design: designName({ ...design, schedulers }),
    storage: design.storage.name,
    snapshot: design.snapshot.name,
    product: design.product === true,
    previous: design.previous === true,
    hosts,
    schedulers,
    requests,
    placements: placed,
    livePlacements: arbiter.hosts.reduce((sum, host) => sum + host.placements.length, 0),
    virtualSeconds: Number((virtualMs / 1000).toFixed(1)),
    projectedPlacementsPerSecond: Math.round(placed / (virtualMs / 1000)),
    commits: arbiter.commits,
    conflictRate: Number((arbiter.conflicts / Math.max(1, arbiter.commits)).toFixed(4)),
    contention503: contention,
    unschedulable409: unschedulable,
    hottestItemWriteUnitsPerSecond: arbiter.hottestItemWriteUnitsPerSecond(),
    hottestIndexPartitionWriteUnitsPerSecond: arbiter.hottestIndexPartitionWriteUnitsPerSecond(),
    peakWriteUnitsPerSecond: Math.max(arbiter.writes.peak(), arbiter.recordWrites.peak()),
    peakReadUnitsPerSecond: arbiter.reads.peak(),
    snapshotReloads: arbiter.reloads,
    scanningShare: Number((arbiter.scanningMs / busyMs).toFixed(3)),
    decidingShare: Number((arbiter.decidingMs / busyMs).toFixed(3)),
    writeUnitsPerMillion: Math.round((arbiter.writes.total + arbiter.recordWrites.total) * perMillion),
    readUnitsPerMillion: Math.round(arbiter.reads.total * perMillion),
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
