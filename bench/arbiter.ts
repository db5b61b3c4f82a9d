import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoDbClient } from "../shared/adapters/dynamodb/client.js";
import { reserveUpdate } from "../shared/adapters/dynamodb/commit.js";
import { toPlacementItem } from "../shared/adapters/dynamodb/items.js";
import { DynamoDbRegistry } from "../shared/adapters/dynamodb/registry.js";
import { system } from "../shared/adapters/system.js";
import { newHost } from "../shared/core/host.js";
import { type PlaceOutcome, place } from "../shared/core/place.js";
import { newPlacementId } from "../shared/core/placement.js";
import { parseContainerRequest } from "../shared/core/request.js";
import { amounts } from "../shared/core/resources.js";
import { schedulerType } from "../shared/core/schedulers.js";
import { HostSnapshot } from "../shared/core/snapshot.js";
import { freshTables } from "../test/support/tables.js";

const NOW = new Date();

/** Runs `work` on `concurrency` loops until `seconds` pass; returns how many completed and their latencies. */
async function closedLoop(concurrency: number, seconds: number, work: (loop: number) => Promise<void>) {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        await work(loop);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  return { count: latencies.length, seconds: (performance.now() - started) / 1000, latencies };
}

export function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? 0;
}

async function registryWithHosts(endpoint: string, hosts: number, cpus: number, memory: number) {
  const tables = await freshTables(endpoint);
  const registry = new DynamoDbRegistry(dynamoDbClient(endpoint), tables);
  for (let index = 0; index < hosts; index++) {
    await registry.addHost(
      newHost(
        {
          addr: `10.0.${index >> 8}.${index & 255}:2375`,
          id: `h${index}`,
          total_cpus: cpus * 1000,
          total_memory: memory,
        },
        NOW,
      ),
    );
  }
  return { registry, tables };
}

export interface CommitResult {
  concurrency: number;
  rounds: number;
  /** The median round's: bare commits (a record's PutItem, then the host's conditional UpdateItem) a second. */
  bareCommitsPerSecond: number;
  placementsPerSecond: number;
  /** The median of the rounds' ratios, and each round's. */
  ratio: number;
  ratios: number[];
  placementP50Ms: number;
  placementP99Ms: number;
}

/**
 * The commit path (filter → score → select → the record's PutItem and the host's conditional UpdateItem,
 * through `place`) against the arbiter's ceiling: the same two writes, built by the same code
 * (`toPlacementItem`, `reserveUpdate`), issued bare over 100 hosts on the same DynamoDB Local at the same
 * concurrency. Rounds alternate the two, and the median ratio is reported (a shared machine's noise
 * moves single rounds).
 */
export async function benchCommit(
  endpoint: string,
  concurrency: number,
  seconds: number,
  rounds = 3,
): Promise<CommitResult> {
  // Room for every placement the run can make: 100 hosts, each far larger than it will fill.
  const { tables: bareTables } = await registryWithHosts(endpoint, 100, 100_000, 100_000_000);
  const documents = DynamoDBDocumentClient.from(dynamoDbClient(endpoint));
  const container = { image: "example/bench:1", cpus: "0.001", memory: 1, type: "batch" };
  let next = 0;
  const bareCommit = async () => {
    const hostId = `h${next++ % 100}`;
    const placement = {
      id: newPlacementId(hostId, NOW),
      hostId,
      image: container.image,
      amounts: amounts({ cpu: 1, memory: 1 }),
      scheduler: "batch",
      createdAt: NOW.toISOString(),
      container,
    };
    await documents.send(
      new PutCommand({ TableName: bareTables.placements, Item: toPlacementItem(placement, Date.now()) }),
    );
    await documents.send(new UpdateCommand(reserveUpdate(bareTables.hosts, placement)));
  };

  const { registry } = await registryWithHosts(endpoint, 100, 100_000, 100_000_000);
  const parsed = parseContainerRequest(container);
  const scheduler = schedulerType("batch");
  if (!parsed.ok || !scheduler) throw new Error("the benchmark's request is invalid");
  const schedulers = Array.from({ length: concurrency }, () => ({
    registry,
    snapshot: new HostSnapshot(registry, 2000),
    maxAttempts: 5,
    ...system,
  }));
  let delivery = 0;
  const placeOne = async (loop: number) => {
    const deps = schedulers[loop];
    if (!deps) return;
    const outcome = await place(
      scheduler,
      { request: parsed.value, container, fingerprint: "f", deliveryId: `d${delivery++}` },
      deps,
    );
    if (outcome.kind !== "placed") throw new Error(`the commit bench did not place: ${outcome.kind}`);
  };
  const measured: { bare: number; placed: number; latencies: number[] }[] = [];
  for (let round = 0; round < rounds; round++) {
    const bare = await closedLoop(concurrency, seconds, bareCommit);
    const placed = await closedLoop(concurrency, seconds, placeOne);
    measured.push({
      bare: bare.count / bare.seconds,
      placed: placed.count / placed.seconds,
      latencies: placed.latencies,
    });
  }
  const ratios = measured.map((round) => Number((round.placed / round.bare).toFixed(2)));
  const byRatio = [...measured].sort((a, b) => a.placed / a.bare - b.placed / b.bare);
  const median = byRatio[Math.floor(byRatio.length / 2)] ?? { bare: 0, placed: 0, latencies: [] };
  return {
    concurrency,
    rounds,
    bareCommitsPerSecond: Math.round(median.bare),
    placementsPerSecond: Math.round(median.placed),
    ratio: Number((median.placed / median.bare).toFixed(2)),
    ratios,
    placementP50Ms: Number(percentile(median.latencies, 0.5).toFixed(2)),
    placementP99Ms: Number(percentile(median.latencies, 0.99).toFixed(2)),
  };
}

/** One contention setting, summed over its runs (wasted commits: the mean, and the range over runs). */
export interface ContentionResult {
  schedulers: number;
  selection: "best-only" | "near-best";
  runs: number;
  requests: number;
  admitted: number;
  commits: number;
  wastedPerPlacement: number;
  wastedRange: [number, number];
  retries: number;
  contention503: number;
  falseUnschedulable: number;
  placementsPerSecond: number;
}

/**
 * K schedulers (each with its own snapshot, as K warm Lambdas) fill a cluster to saturation with
 * identical requests that fit it exactly, so that every 409 is a false "unschedulable"; `runs` times
 * on fresh tables, since one run's waste varies with how the schedulers happen to interleave.
 */
export async function benchContention(
  endpoint: string,
  schedulers: number,
  nearBest: number,
  runs: number,
): Promise<ContentionResult> {
  const each: FillResult[] = [];
  for (let run = 0; run < runs; run++) each.push(await fillCluster(endpoint, schedulers, nearBest));
  const sum = (pick: (result: FillResult) => number) =>
    each.reduce((total, result) => total + pick(result), 0);
  const wasted = each.map((result) => (result.commits - result.admitted) / Math.max(1, result.admitted));
  const round = (value: number) => Number(value.toFixed(3));
  return {
    schedulers,
    selection: nearBest > 1 ? "near-best" : "best-only",
    runs,
    requests: sum((result) => result.requests),
    admitted: sum((result) => result.admitted),
    commits: sum((result) => result.commits),
    wastedPerPlacement: round(
      (sum((result) => result.commits) - sum((result) => result.admitted)) /
        Math.max(
          1,
          sum((result) => result.admitted),
        ),
    ),
    wastedRange: [round(Math.min(...wasted)), round(Math.max(...wasted))],
    retries: sum((result) => result.retries),
    contention503: sum((result) => result.contention503),
    falseUnschedulable: sum((result) => result.falseUnschedulable),
    placementsPerSecond: Math.round(sum((result) => result.admitted) / sum((result) => result.seconds)),
  };
}

interface FillResult {
  requests: number;
  admitted: number;
  commits: number;
  retries: number;
  contention503: number;
  falseUnschedulable: number;
  seconds: number;
}

async function fillCluster(endpoint: string, schedulers: number, nearBest: number): Promise<FillResult> {
  const hosts = 20;
  const perHost = 16;
  const { registry } = await registryWithHosts(endpoint, hosts, 4, 4096);
  const container = { image: "example/fill:1", cpus: "0.25", memory: 256, type: "batch" };
  const parsed = parseContainerRequest(container);
  const scheduler = schedulerType("batch");
  if (!parsed.ok || !scheduler) throw new Error("the benchmark's request is invalid");
  const requests = hosts * perHost;
  const outcomes: PlaceOutcome[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: schedulers }, async () => {
      const deps = {
        registry,
        snapshot: new HostSnapshot(registry, 2000),
        maxAttempts: 5,
        nearBest,
        ...system,
      };
      while (next < requests) {
        next++;
        outcomes.push(
          await place(
            scheduler,
            { request: parsed.value, container, fingerprint: "f", deliveryId: `d${next}` },
            deps,
          ),
        );
      }
    }),
  );
  return {
    requests,
    admitted: outcomes.filter((outcome) => outcome.kind === "placed").length,
    commits: outcomes.reduce((sum, outcome) => sum + outcome.stats.attempts, 0),
    retries: outcomes.reduce((sum, outcome) => sum + Math.max(0, outcome.stats.attempts - 1), 0),
    contention503: outcomes.filter((outcome) => outcome.kind === "contention").length,
    falseUnschedulable: outcomes.filter((outcome) => outcome.kind === "unschedulable").length,
    seconds: (performance.now() - started) / 1000,
  };
}

export interface HttpResult {
  concurrency: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** The whole local path: HTTP → API Gateway event → router → scheduler → DynamoDB Local, as `npm start` runs. */
export async function benchHttp(concurrency: number, seconds: number): Promise<HttpResult> {
  const { startLocalStack } = await import("../shared/local/stack.js");
  const stack = await startLocalStack({ store: "dynamodb", port: 0, snapshotMaxAgeMs: 2000, maxAttempts: 5 });
  try {
    for (let index = 0; index < 100; index++) {
      await stack.registry.addHost(
        newHost(
          {
            addr: `10.1.0.${index}:2375`,
            id: `h${index}`,
            total_cpus: 100_000_000,
            total_memory: 100_000_000,
          },
          NOW,
        ),
      );
    }
    const body = JSON.stringify({ image: "example/http:1", cpus: "0.001", memory: 1, type: "batch" });
    const run = await closedLoop(concurrency, seconds, async () => {
      const response = await fetch(`${stack.url}/v1/placements`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await response.text();
      if (response.status !== 201) throw new Error(`the HTTP bench got ${response.status}`);
    });
    return {
      concurrency,
      requestsPerSecond: Math.round(run.count / run.seconds),
      p50Ms: Number(percentile(run.latencies, 0.5).toFixed(2)),
      p99Ms: Number(percentile(run.latencies, 0.99).toFixed(2)),
    };
  } finally {
    await stack.stop();
  }
}
