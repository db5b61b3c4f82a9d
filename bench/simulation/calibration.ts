import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { toItem } from "../../shared/adapters/dynamodb/items.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import type { Host } from "../../shared/core/host.js";
import { imageTag } from "../../shared/core/image.js";
import { place } from "../../shared/core/place.js";
import { newPlacementId, type PlacementSummary, summaryOf } from "../../shared/core/placement.js";
import { RegistryUnavailableError } from "../../shared/core/registry.js";
import { schedulerType } from "../../shared/core/schedulers.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
import { seededRandom } from "../../test/support/random.js";
import { freshTables } from "../../test/support/tables.js";
import { simulatedHost, syntheticRequest } from "../cluster.js";
import { DESIGNS } from "./designs.js";
import { AWS_MODEL } from "./model.js";
import { type SimulationResult, simulate } from "./run.js";

// The simulation beside the product itself on DynamoDB Local: the same cluster (hosts of 64 CPUs and
// 256 GiB kept 60% reserved, batch requests of 0.25-2 CPUs, the oldest placement released as a new one
// lands), the same number of schedulers, each the product's `place` with its own HostSnapshot over the
// real DynamoDbRegistry. DynamoDB Local reports the units each call consumed (ReturnConsumedCapacity),
// computed from the items' real sizes, and how long each call took: what the simulation's model assumes.

/** The sizes calibrated: hosts and schedulers. */
export const CALIBRATION_SIZES: [hosts: number, schedulers: number][] = [
  [1000, 8],
  [1000, 16],
  [2000, 8],
  [2000, 16],
];

/** One size, real and simulated side by side. */
export interface CalibrationRow {
  hosts: number;
  schedulers: number;
  placements: number;
  real: Figures & { commitMs: number; sliceReadMs: number; placementsPerSecond: number; unavailable: number };
  simulated: Figures & { commitMs: number; readRoundTripMs: number; projectedPlacementsPerSecond: number };
  /**
   * The simulation again with DynamoDB Local's latencies and this machine's CPU: its rate beside the real
   * one, and its reloads, which follow the clock (a snapshot is read again when 0.5 s old), so that a
   * reload's units compare with the real ones on the same mix of cold whole reads and slices.
   */
  simulatedAtLocalLatency: {
    placementsPerSecond: number;
    conflictRate: number;
    readUnitsPerReload: number;
    reloadsPerPlacement: number;
  };
}

/** What both report per placement: conflicts per commit, and units (placing and releasing). */
interface Figures {
  conflictRate: number;
  writeUnitsPerPlacement: number;
  readUnitsPerPlacement: number;
  reloadsPerPlacement: number;
  /** Read units of a snapshot's reload (a slice): what the item sizes decide, whatever the latencies. */
  readUnitsPerReload: number;
}

/** Units of every call, by reads and writes, from DynamoDB's own ConsumedCapacity. */
function countUnits(client: DynamoDBClient) {
  const units = { read: 0, write: 0 };
  const reads = new Set(["GetItemCommand", "QueryCommand", "ScanCommand", "BatchGetItemCommand"]);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = "TOTAL";
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      const total = [consumed]
        .flat()
        .reduce(
          (sum: number, one) => sum + ((one as { CapacityUnits?: number } | undefined)?.CapacityUnits ?? 0),
          0,
        );
      if (reads.has(String(context.commandName))) units.read += total;
      else units.write += total;
      return result;
    },
    { step: "initialize", name: "countUnits" },
  );
  return units;
}

/** The hosts at the simulation's occupancy, placements on random hosts, written straight as items. */
async function prefill(
  documents: DynamoDBDocumentClient,
  table: string,
  count: number,
  random: () => number,
) {
  const now = new Date();
  const hosts: Host[] = Array.from({ length: count }, (_, index) => simulatedHost(index, now));
  const live: { hostId: string; placement: PlacementSummary }[] = [];
  let liveCpu = 0;
  while (liveCpu < AWS_MODEL.occupancy * 64_000 * count) {
    const host = hosts[Math.floor(random() * count)] as Host;
    const request = syntheticRequest("batch", random);
    const placement: PlacementSummary = {
      id: newPlacementId(host.id, now),
      imageTag: imageTag(request.image),
      amounts: request.amounts,
      createdAt: now.toISOString(),
    };
    host.placements.push(placement);
    host.freeCpu -= placement.amounts.cpu;
    host.freeMemory -= placement.amounts.memory;
    live.push({ hostId: host.id, placement });
    liveCpu += placement.amounts.cpu;
  }
  for (let at = 0; at < hosts.length; at += 25) {
    const batch = hosts.slice(at, at + 25).map((host) => ({ PutRequest: { Item: toItem(host) } }));
    await documents.send(new BatchWriteCommand({ RequestItems: { [table]: batch } }));
  }
  return { live, liveCpu, totalCpu: 64_000 * count };
}

/** The product on DynamoDB Local, then the simulation, for `hosts` and `schedulers`. */
export async function calibrate(
  endpoint: string,
  hosts: number,
  schedulers: number,
  placements: number,
): Promise<CalibrationRow> {
  const random = seededRandom(7);
  // DynamoDB Local answers a Scan of every host slowly when 16 schedulers start cold at once.
  const client = dynamoDbClient(endpoint, { connectMs: 1000, answerMs: 30_000 });
  const tables = await freshTables(endpoint);
  const registry = new DynamoDbRegistry(client, tables);
  const documents = DynamoDBDocumentClient.from(client);
  const cluster = await prefill(documents, tables.hosts, hosts, random);
  const units = countUnits(client);
  const timing = { commits: 0, commitMs: 0, slices: 0, sliceMs: 0 };
  const timed: typeof registry = Object.create(registry);
  timed.commit = async (request) => {
    const started = performance.now();
    const outcome = await registry.commit(request);
    timing.commitMs += performance.now() - started;
    timing.commits++;
    return outcome;
  };
  timed.sliceHosts = async (slice, of) => {
    const started = performance.now();
    const read = await registry.sliceHosts(slice, of);
    timing.sliceMs += performance.now() - started;
    timing.slices++;
    return read;
  };
  let reloads = 0;
  const counted: typeof registry = Object.create(timed);
  counted.sliceHosts = (slice, of) => {
    reloads++;
    return timed.sliceHosts(slice, of);
  };
  counted.listHosts = () => {
    reloads++;
    return registry.listHosts();
  };
  const batch = schedulerType("batch");
  if (!batch) throw new Error("no batch scheduler");
  let placed = 0;
  let commits = 0;
  let conflicts = 0;
  let oldest = 0;
  let unavailable = 0;
  const releasing: Promise<unknown>[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: schedulers }, async (_, worker) => {
      const snapshot = new HostSnapshot(counted, 500, Date.now, seededRandom(100 + worker));
      const deps = {
        registry: counted,
        snapshot,
        maxAttempts: AWS_MODEL.maxAttempts,
        now: () => new Date(),
        random,
        sleep: (ms: number) => new Promise<void>((resume) => setTimeout(resume, ms)),
      };
      while (placed < placements) {
        const request = syntheticRequest("batch", random);
        const input = { request, container: {}, fingerprint: "", deliveryId: `d${placed}-${worker}` };
        const outcome = await place(batch, input, deps).catch((error: unknown) => {
          // What the product answers 503: counted, and the scheduler goes on.
          if (!(error instanceof RegistryUnavailableError)) throw error;
          unavailable++;
          return undefined;
        });
        if (!outcome) continue;
        commits += outcome.stats.attempts;
        conflicts += outcome.stats.conflicts;
        if (outcome.kind !== "placed" || !outcome.placement) continue;
        placed++;
        cluster.live.push({ hostId: outcome.placement.hostId, placement: summaryOf(outcome.placement) });
        cluster.liveCpu += outcome.placement.amounts.cpu;
        // A caller's DELETE of the oldest placement, as the simulation releases: another caller's
        // request, which the scheduler does not wait for.
        while (cluster.liveCpu > AWS_MODEL.occupancy * cluster.totalCpu && oldest < cluster.live.length) {
          const gone = cluster.live[oldest++];
          if (!gone) break;
          cluster.liveCpu -= gone.placement.amounts.cpu;
          releasing.push(registry.release(gone.placement.id));
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(releasing);
  client.destroy();
  const product = DESIGNS.find((design) => design.product);
  if (!product) throw new Error("no product design");
  const size = { hosts, placements, seconds: 600 };
  const simulated = await simulate({ ...product, schedulers }, size);
  const commitMs = timing.commitMs / Math.max(1, timing.commits);
  const sliceReadMs = timing.sliceMs / Math.max(1, timing.slices);
  const local = await withModel({ readRoundTripMs: sliceReadMs, lambdaCpuFactor: 1 }, () =>
    simulate({ ...product, schedulers, storage: { ...product.storage, commitRoundTripMs: commitMs } }, size),
  );
  const round = (value: number) => Number(value.toFixed(2));
  // A release reads one host item and deletes one record (a unit each): the rest is the reloads'.
  const releases = oldest;
  return {
    hosts,
    schedulers,
    placements: placed,
    real: {
      conflictRate: Number((conflicts / Math.max(1, commits)).toFixed(4)),
      writeUnitsPerPlacement: round(units.write / placed),
      readUnitsPerPlacement: round(units.read / placed),
      reloadsPerPlacement: round(reloads / placed),
      readUnitsPerReload: round((units.read - releases) / Math.max(1, reloads)),
      commitMs: round(commitMs),
      sliceReadMs: round(sliceReadMs),
      placementsPerSecond: Math.round(placed / seconds),
      unavailable,
    },
    simulated: {
      conflictRate: simulated.conflictRate,
      writeUnitsPerPlacement: round(simulated.writeUnitsPerMillion / 1e6),
      readUnitsPerPlacement: round(simulated.readUnitsPerMillion / 1e6),
      ...reloadFigures(simulated, product.storage.aside.releaseReads),
      commitMs: product.storage.commitRoundTripMs,
      readRoundTripMs: AWS_MODEL.readRoundTripMs,
      projectedPlacementsPerSecond: simulated.projectedPlacementsPerSecond,
    },
    simulatedAtLocalLatency: {
      placementsPerSecond: local.projectedPlacementsPerSecond,
      conflictRate: local.conflictRate,
      ...reloadFigures(local, product.storage.aside.releaseReads),
    },
  };
}

/** A simulation's reloads a placement, and the read units of a reload (a release's own reads aside). */
function reloadFigures(result: SimulationResult, releaseReads: number) {
  const round = (value: number) => Number(value.toFixed(2));
  const reloadsPerPlacement = result.snapshotReloads / result.placements;
  return {
    reloadsPerPlacement: round(reloadsPerPlacement),
    readUnitsPerReload: round((result.readUnitsPerMillion / 1e6 - releaseReads) / reloadsPerPlacement),
  };
}

/** Runs `run` with some of the model's figures changed, then puts them back. */
async function withModel<T>(changes: Partial<typeof AWS_MODEL>, run: () => Promise<T>): Promise<T> {
  const kept = { ...AWS_MODEL };
  Object.assign(AWS_MODEL, changes);
  try {
    return await run();
  } finally {
    Object.assign(AWS_MODEL, kept);
  }
}
