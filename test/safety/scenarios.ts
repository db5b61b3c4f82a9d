import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { ScanCommand, type ScanCommandInput } from "@aws-sdk/client-dynamodb";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { STRAY_AGE_MS } from "../../shared/adapters/dynamodb/records.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import type { TableNames } from "../../shared/adapters/dynamodb/tables.js";
import { host } from "../support/fixtures.js";
import { seededRandom } from "../support/random.js";
import { freshTables } from "../support/tables.js";
import { checkInvariants, type Operation } from "./checker.js";
import { type ApiClient, apiClient } from "./client.js";
import { type FaultCounts, type FaultRates, injectFaults, NO_FAULTS } from "./faults.js";
import {
  type Figures,
  noFigures,
  recordPlacement,
  releaseEverything,
  releaseUntilDone,
  runWorkload,
  type WorkloadOptions,
} from "./workload.js";

/** The cluster every scenario fills: 16 hosts of 4 CPUs and 8 GiB. */
export const CLUSTER = { hosts: 16, cpus: 4, memory: 8192 };
const HOST_IDS = Array.from({ length: CLUSTER.hosts }, (_, index) => `h${index}`);

export interface ScenarioOptions extends WorkloadOptions {
  faults: FaultRates;
  duplicateRate: number;
  maxAttempts: number;
}

export interface ScenarioReport {
  scenario: string;
  figures: Figures;
  injected: FaultCounts & { duplicates: number; killed: number; resolved: number };
  violations: string[];
}

/** The scenarios of a stress run, by name, with their workloads' shape. */
export const SCENARIOS: Record<string, Omit<ScenarioOptions, "operations" | "workers" | "seed">> = {
  plain: { faults: NO_FAULTS, duplicateRate: 0, keyedShare: 0.5, placeShare: 0.6, maxAttempts: 5 },
  faults: {
    faults: { ...NO_FAULTS, throttle: 0.05, timeoutAfterWrite: 0.05, transactionConflict: 0.1 },
    duplicateRate: 0,
    keyedShare: 0.5,
    placeShare: 0.6,
    maxAttempts: 5,
  },
  duplicates: { faults: NO_FAULTS, duplicateRate: 0.2, keyedShare: 1, placeShare: 0.6, maxAttempts: 5 },
  // Releases of one placement racing each other, and an operator resizing hosts under the commits.
  races: {
    // Late writes widen the gap between a host change's read and its write, where commits land.
    faults: { ...NO_FAULTS, lateWrite: 0.5 },
    duplicateRate: 0,
    keyedShare: 0.5,
    placeShare: 0.6,
    maxAttempts: 5,
    releaseTwice: 0.3,
    resized: HOST_IDS,
  },
  // Every request keyed: the placements a killed worker had in flight are resolved by resending them.
  kill: { faults: NO_FAULTS, duplicateRate: 0, keyedShare: 1, placeShare: 0.6, maxAttempts: 5 },
};

async function prepare(endpoint: string): Promise<{ tables: TableNames; clean: DynamoDbRegistry }> {
  const tables = await freshTables(endpoint);
  const clean = new DynamoDbRegistry(dynamoDbClient(endpoint), tables);
  // Two GPU devices each, which a quarter of the stream's requests race for (workload.ts).
  for (const id of HOST_IDS) {
    await clean.addHost({ ...host(id, CLUSTER.cpus, CLUSTER.memory), gpus: { count: 2, model: "T4" } });
  }
  return { tables, clean };
}

/**
 * The invariants on the history and the state, then everything released: the cluster must be empty.
 * Every live placement has its record (written before its host's entry); once everything is released,
 * a sweep past the stray age leaves no record at all (what failed commits left is swept, nothing else is).
 */
async function verdict(
  history: Operation[],
  clean: DynamoDbRegistry,
  drainer: ApiClient,
  records: () => Promise<Set<string>>,
): Promise<string[]> {
  const hosts = await clean.listHosts();
  const violations = checkInvariants(history, hosts, true);
  const recorded = await records();
  for (const placement of hosts.flatMap((one) => one.placements)) {
    if (!recorded.has(placement.id)) violations.push(`placement ${placement.id} is live without its record`);
  }
  await releaseEverything(drainer, history);
  const drained = await clean.listHosts();
  violations.push(...checkInvariants(history, drained, true));
  for (const after of drained) {
    if (
      after.placements.length > 0 ||
      after.freeCpu !== after.total.cpu ||
      after.freeMemory !== after.total.memory
    ) {
      violations.push(`host ${after.id} is not empty after releasing everything`);
    }
    await clean.sweep(after, new Date(Date.now() + STRAY_AGE_MS + 1000));
  }
  const left = await records();
  if (left.size > 0) violations.push(`${left.size} placement record(s) left after releasing and sweeping`);
  return violations;
}

/** The ids of every placement record in `tables`. */
function recordsIn(endpoint: string, tables: TableNames): () => Promise<Set<string>> {
  return async () => {
    const client = dynamoDbClient(endpoint);
    const ids = new Set<string>();
    let start: ScanCommandInput["ExclusiveStartKey"];
    do {
      const page = await client.send(
        new ScanCommand({ TableName: tables.placements, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) ids.add(String(item.id?.S));
      start = page.LastEvaluatedKey;
    } while (start);
    client.destroy();
    return ids;
  };
}

/** Runs one in-process scenario against DynamoDB Local and checks it. */
export async function runScenario(
  endpoint: string,
  scenario: string,
  options: ScenarioOptions,
  onProgress?: (done: number) => void,
): Promise<ScenarioReport> {
  const { tables, clean } = await prepare(endpoint);
  const random = seededRandom(options.seed);
  const faulty = dynamoDbClient(endpoint);
  const counts = injectFaults(faulty, options.faults, random);
  const registry = new DynamoDbRegistry(faulty, tables);
  const clients = Array.from({ length: options.workers }, () =>
    apiClient(registry, {
      maxAttempts: options.maxAttempts,
      snapshotMaxAgeMs: 1000,
      duplicateRate: options.duplicateRate,
      random,
    }),
  );
  const { history, figures } = await runWorkload(clients, options, onProgress);
  const drainer = apiClient(clean, { maxAttempts: 5, snapshotMaxAgeMs: 0, duplicateRate: 0, random });
  const violations = await verdict(history, clean, drainer, recordsIn(endpoint, tables));
  const duplicates = clients.reduce((sum, client) => sum + client.duplicates(), 0);
  return { scenario, figures, injected: { ...counts, duplicates, killed: 0, resolved: 0 }, violations };
}

/** A line a worker process prints: an operation it starts, or one it finished. */
export type Started =
  | { id: number; op: "place"; key: string; container: Record<string, unknown> }
  | { id: number; op: "release"; placementId: string };
export type WorkerLine =
  | { start: Started }
  | { done: { id: number; operation: Operation; attempts: number; conflicts: number } };

/**
 * Worker processes run the workload; one is killed with SIGKILL in the middle of its commits. What it
 * had in flight has an unknown outcome: each placement is resent with its Idempotency-Key (answered
 * from the idempotency record if it landed, placed now if not) and each release is repeated. Then the
 * same checks as every scenario.
 */
export async function runKillScenario(endpoint: string, options: ScenarioOptions): Promise<ScenarioReport> {
  const { tables, clean } = await prepare(endpoint);
  const history: Operation[] = [];
  const figures = noFigures();
  const started = performance.now();
  const perWorker = Math.ceil(options.operations / options.workers);
  const inFlight = new Map<number, Map<number, Started>>();
  let killed = 0;

  const workers = Array.from({ length: options.workers }, (_, worker) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", new URL("./worker.ts", import.meta.url).pathname],
      {
        env: {
          ...process.env,
          CITADEL_DYNAMODB_ENDPOINT: endpoint,
          CITADEL_HOSTS_TABLE: tables.hosts,
          CITADEL_PLACEMENTS_TABLE: tables.placements,
          CITADEL_OBSERVATIONS_TABLE: tables.observations,
          CITADEL_EVENTS_TABLE: tables.events,
          CITADEL_REQUESTS_TABLE: tables.requests,
          CITADEL_PROFILES_TABLE: tables.profiles,
          CITADEL_ADDRESSES_TABLE: tables.addresses,
          SAFETY_WORKER: String(worker),
          SAFETY_SEED: String(options.seed),
          SAFETY_OPERATIONS: String(perWorker),
          POWERTOOLS_LOG_LEVEL: "SILENT",
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const pending = new Map<number, Started>();
    inFlight.set(worker, pending);
    let finished = 0;
    createInterface({ input: child.stdout }).on("line", (text) => {
      const line = JSON.parse(text) as WorkerLine;
      if ("start" in line) {
        pending.set(line.start.id, line.start);
        return;
      }
      pending.delete(line.done.id);
      const { operation } = line.done;
      if (operation.op === "place") {
        recordPlacement(history, figures, operation.key, { ...operation, ...line.done });
      } else {
        history.push(operation);
        figures.operations++;
        figures.releases++;
      }
      finished++;
      // Worker 0 dies with SIGKILL halfway through, whatever it is doing.
      if (worker === 0 && finished === Math.floor(perWorker / 2) && child.exitCode === null) {
        child.kill("SIGKILL");
        killed++;
      }
    });
    return new Promise<void>((resolve, reject) => {
      child.on("exit", (code, signal) => {
        if (code === 0 || signal === "SIGKILL") resolve();
        else reject(new Error(`worker ${worker} exited with ${code ?? signal}`));
      });
    });
  });
  await Promise.all(workers);

  const resolver = apiClient(clean, {
    maxAttempts: 5,
    snapshotMaxAgeMs: 0,
    duplicateRate: 0,
    random: Math.random,
  });
  let resolved = 0;
  for (const pending of inFlight.values()) {
    for (const start of pending.values()) {
      if (start.op === "place") {
        recordPlacement(history, figures, start.key, await resolver.place(start.container, start.key));
      } else {
        history.push({
          op: "release",
          placementId: start.placementId,
          status: await releaseUntilDone(resolver, start.placementId),
        });
        figures.operations++;
        figures.releases++;
      }
      resolved++;
    }
  }
  figures.seconds = (performance.now() - started) / 1000;
  const violations = await verdict(history, clean, resolver, recordsIn(endpoint, tables));
  return {
    scenario: "kill",
    figures,
    injected: {
      throttle: 0,
      timeoutAfterWrite: 0,
      transactionConflict: 0,
      lateWrite: 0,
      duplicates: 0,
      killed,
      resolved,
    },
    violations,
  };
}
