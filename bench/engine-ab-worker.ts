import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { seededRandom } from "../test/support/random.js";

// One side of bench/engine-ab.ts: a child process deciding the engine bench's workload with one tree's
// code (argv[2], its root). Each tree is loaded from its own files, its synthetic cluster and requests
// from its own bench/cluster.ts (the same draws from the same seed at d9c2c12 and after), and a decision
// is that tree's bench/engine.ts decision, whichever API it has.

/** A message from engine-ab.ts. */
export type WorkerCommand =
  | { kind: "run"; type: string; hosts: number; sampled: boolean; seed: number; decisions: number }
  | { kind: "fingerprint"; hosts: number };

/** The answer to a run: its CPU time and wall time, and the feasible hosts summed (the same work on both sides). */
export interface RunResult {
  cpuMicros: number;
  wallMs: number;
  feasible: number;
}

// The trees' modules, typed as far as this file reads them (the two trees' types differ).
type Host = { id: string; placements: unknown[] } & Record<string, unknown>;
type Request = { image: string };
type Random = () => number;
interface Pipeline {
  feasibleEnough(hosts: number): number;
  filterHosts(
    hosts: Host[],
    request: Request,
    sample?: { limit: number; random: Random },
  ): { feasible: Host[] };
  selectHost(...args: unknown[]): Host | undefined;
}
interface Scheduler {
  type: string;
  score: unknown;
}
interface Index {
  of(image: string): unknown;
}

const tree = process.argv[2];
if (!tree) throw new Error("usage: engine-ab-worker.ts <tree>");
const load = (path: string) => import(pathToFileURL(`${tree}/${path}`).href);
const cluster: {
  syntheticCluster(count: number, random: Random): Host[];
  syntheticRequest(type: string, random: Random): Request;
} = await load("bench/cluster.ts");
const pipeline: Pipeline = await load("shared/core/pipeline.ts");
const { ReplicaIndex } = (await load("shared/core/replica-index.ts")) as {
  ReplicaIndex: new (hosts: Host[]) => Index;
};
const schedulers = await load("shared/core/schedulers.ts");
const types: Scheduler[] = schedulers.DEFAULT_SCHEDULER_TYPES ?? schedulers.SCHEDULER_TYPES;
// After the resource model a decision first prepares its scoring (bench/engine.ts at each commit).
const scoring: ((type: Scheduler, request: Request, view: unknown) => { score: unknown }) | undefined =
  existsSync(`${tree}/shared/core/scoring.ts`) ? (await load("shared/core/scoring.ts")).scoring : undefined;

/** Each host count's cluster, made once, as the engine bench does: seeded by the host count. */
const clusters = new Map<number, { hosts: Host[]; index: Index }>();
function clusterOf(count: number) {
  let made = clusters.get(count);
  if (!made) {
    const hosts = cluster.syntheticCluster(count, seededRandom(count));
    made = { hosts, index: new ReplicaIndex(hosts) };
    clusters.set(count, made);
  }
  return made;
}

/** One decision of bench/engine.ts: filter, (score,) select; the feasible hosts' count. */
function decide(hosts: Host[], index: Index, scheduler: Scheduler, random: Random, sampled: boolean): number {
  const request = cluster.syntheticRequest(scheduler.type, random);
  const { feasible } = pipeline.filterHosts(
    hosts,
    request,
    sampled ? { limit: pipeline.feasibleEnough(hosts.length), random } : undefined,
  );
  if (scoring) {
    const { score } = scoring(scheduler, request, { hosts, replicas: index.of(request.image) });
    pipeline.selectHost(feasible, score, { nearBest: 1, random });
  } else {
    pipeline.selectHost(feasible, request, scheduler.score, {
      nearBest: 1,
      random,
      replicas: index.of(request.image),
    });
  }
  return feasible.length;
}

/** `decisions` decisions of one type from one seeded stream of requests: the CPU time they took. */
function run(command: Extract<WorkerCommand, { kind: "run" }>): RunResult {
  const { hosts, index } = clusterOf(command.hosts);
  const scheduler = types.find((found) => found.type === command.type);
  if (!scheduler) throw new Error(`${tree} has no scheduler type ${command.type}`);
  const random = seededRandom(command.seed);
  let feasible = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let made = 0; made < command.decisions; made++) {
    feasible += decide(hosts, index, scheduler, random, command.sampled);
  }
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { cpuMicros: used.user + used.system, wallMs, feasible };
}

/** What the cluster is, as numbers both trees' hosts show (free cpu and memory, placements), hashed. */
function fingerprint(count: number): number {
  let hash = 0;
  for (const host of clusterOf(count).hosts) {
    const free = [host.freeCpu ?? host.freeCpuMilli, host.freeMemory, host.placements.length];
    for (const value of free) hash = (Math.imul(hash, 31) + Number(value)) | 0;
  }
  return hash;
}

process.on("message", (command: WorkerCommand) => {
  const answer = command.kind === "run" ? run(command) : fingerprint(command.hosts);
  process.send?.(answer);
});
process.send?.("ready");
