import type { Host } from "../shared/core/host.js";
import { newHost } from "../shared/core/host.js";
import { feasibleEnough, filterHosts, NEAR_BEST, selectHost } from "../shared/core/pipeline.js";
import type { Placement } from "../shared/core/placement.js";
import { ReplicaIndex } from "../shared/core/replica-index.js";
import { binpackScore } from "../shared/core/strategies/binpack.js";
import { placement } from "../test/support/fixtures.js";
import { seededRandom } from "../test/support/random.js";
import { syntheticRequest } from "./cluster.js";

/**
 * The model of AWS the simulation runs in (virtual time, milliseconds). Round trips and scan speed are
 * typical same-region figures, stated here so the projection can be redone with others.
 */
export const AWS_MODEL = {
  /** Lambda → DynamoDB → Lambda for one small write. */
  writeRoundTripMs: 6,
  /** DynamoDB's limit on one item: about 1,000 writes/s, so 1 ms of the item's time per write. */
  itemWriteMs: 1,
  /** A Scan page is at most 1 MB; a strongly consistent page takes about this long. */
  scanPageMs: 15,
  /** Bytes of a host item without placements, and per placement held in it. */
  hostItemBytes: 400,
  placementBytes: 220,
  snapshotMaxAgeMs: 2000,
  maxAttempts: 5,
  /** On-demand prices (us-east-1): per million write request units, per million Lambda requests, per GB-s. */
  pricePerMillionWrites: 1.25,
  pricePerMillionInvocations: 0.2,
  pricePerGbSecond: 0.0000133334,
};

export interface SimulationResult {
  hosts: number;
  schedulers: number;
  placements: number;
  virtualSeconds: number;
  projectedPlacementsPerSecond: number;
  commits: number;
  conflictRate: number;
  hottestItemWritesPerSecond: number;
  snapshotReloads: number;
  secondsScanning: number;
  writeUnitsPerMillion: number;
  invocationsPerMillion: number;
  dollarsPerMillion: number;
  wallSeconds: number;
}

/** Binpack does not read replicas: the simulated views keep no index. */
const NO_REPLICAS = new ReplicaIndex().of("");

const itemKiB = (host: Host) =>
  (AWS_MODEL.hostItemBytes + host.placements.length * AWS_MODEL.placementBytes) / 1024;

/**
 * `schedulers` schedulers place `placements` batch containers on `hosts` hosts in virtual time, each
 * deciding with the real engine on its own snapshot, against a simulated arbiter that checks every
 * commit against the true state and serves each item at most 1,000 writes/s.
 */
export function simulate(hosts: number, schedulers: number, placements: number): SimulationResult {
  const started = performance.now();
  const random = seededRandom(99);
  const truth: Host[] = Array.from({ length: hosts }, (_, index) =>
    newHost(
      {
        addr: `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}:2375`,
        id: `h${index}`,
        total_cpus: 64_000,
        total_memory: 262_144,
      },
      new Date(0),
    ),
  );
  const itemFreeAt = new Float64Array(hosts);
  const writesPerSecond = new Map<string, number>();
  // The table's size, kept as placements are added: a Scan reads all of it, a 1 MB page at a time.
  let tableBytes = hosts * AWS_MODEL.hostItemBytes;
  const scanMs = () => Math.ceil(tableBytes / 1_000_000) * AWS_MODEL.scanPageMs;
  const workers = Array.from({ length: schedulers }, () => ({
    clock: 0,
    view: [...truth],
    loadedAt: 0,
    contendedUntil: -1,
  }));
  let issued = 0;
  let placed = 0;
  let commits = 0;
  let conflicts = 0;
  let reloads = 0;
  let scanning = 0;
  let writeUnits = 0;

  const reload = (worker: (typeof workers)[number]) => {
    const cost = scanMs();
    worker.clock += cost;
    scanning += cost;
    reloads++;
    worker.view = [...truth];
    worker.loadedAt = worker.clock;
  };

  while (placed < placements && issued < placements * 2) {
    // The scheduler whose clock is earliest acts next.
    let worker = workers[0];
    for (const candidate of workers) if (worker && candidate.clock < worker.clock) worker = candidate;
    if (!worker) break;
    issued++;
    const request = syntheticRequest("batch", random);
    if (worker.clock - worker.loadedAt > AWS_MODEL.snapshotMaxAgeMs) reload(worker);
    let done = false;
    let conflictsHere = 0;
    for (let attempt = 0; attempt < AWS_MODEL.maxAttempts && !done; attempt++) {
      const decideStart = performance.now();
      const { feasible } = filterHosts(worker.view, request, { limit: feasibleEnough(hosts), random });
      const nearBest = conflictsHere > 0 || worker.clock < worker.contendedUntil ? NEAR_BEST : 1;
      const chosen = selectHost(feasible, request, binpackScore, { nearBest, random, replicas: NO_REPLICAS });
      worker.clock += performance.now() - decideStart;
      if (!chosen) break;
      const index = Number(chosen.id.slice(1));
      const arrival = worker.clock + AWS_MODEL.writeRoundTripMs / 2;
      const served = Math.max(arrival, itemFreeAt[index] ?? 0) + AWS_MODEL.itemWriteMs;
      itemFreeAt[index] = served;
      worker.clock = served + AWS_MODEL.writeRoundTripMs / 2;
      commits++;
      const host = truth[index] as Host;
      writeUnits += Math.ceil(itemKiB(host));
      const second = `${index}@${Math.floor(served / 1000)}`;
      writesPerSecond.set(second, (writesPerSecond.get(second) ?? 0) + 1);
      if (
        host.freeCpuMilli >= request.cpuMilli &&
        host.freeMemory >= request.memory &&
        host.placements.length < 128
      ) {
        const made: Placement = placement(host.id, request.cpuMilli, request.memory, request.image);
        const updated = {
          ...host,
          freeCpuMilli: host.freeCpuMilli - request.cpuMilli,
          freeMemory: host.freeMemory - request.memory,
          placements: [...host.placements, made],
        };
        truth[index] = updated;
        tableBytes += AWS_MODEL.placementBytes;
        worker.view[index] = updated;
        placed++;
        done = true;
      } else {
        conflicts++;
        conflictsHere++;
        worker.contendedUntil = worker.clock + AWS_MODEL.snapshotMaxAgeMs;
        worker.view[index] = host;
        if (conflictsHere === 2) reload(worker);
      }
    }
  }
  const virtualSeconds = Math.max(...workers.map((worker) => worker.clock)) / 1000;
  const perMillion = 1_000_000 / Math.max(1, placed);
  // One router and one scheduler invocation per placement request; 512 MB for their measured durations.
  const invocations = 2 * issued * perMillion;
  // Each scheduler was busy the whole run, and a router waits on each of them: twice the scheduler time.
  const lambdaSeconds = 2 * virtualSeconds * schedulers * perMillion;
  const dollars =
    (writeUnits * perMillion * AWS_MODEL.pricePerMillionWrites) / 1e6 +
    (invocations * AWS_MODEL.pricePerMillionInvocations) / 1e6 +
    lambdaSeconds * 0.5 * AWS_MODEL.pricePerGbSecond;
  return {
    hosts,
    schedulers,
    placements: placed,
    virtualSeconds: Number(virtualSeconds.toFixed(1)),
    projectedPlacementsPerSecond: Math.round(placed / virtualSeconds),
    commits,
    conflictRate: Number((conflicts / Math.max(1, commits)).toFixed(4)),
    hottestItemWritesPerSecond: Math.max(0, ...writesPerSecond.values()),
    snapshotReloads: reloads,
    secondsScanning: Number((scanning / 1000).toFixed(1)),
    writeUnitsPerMillion: Math.round(writeUnits * perMillion),
    invocationsPerMillion: Math.round(invocations),
    dollarsPerMillion: Number(dollars.toFixed(2)),
    wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
}
