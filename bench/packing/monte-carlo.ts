// The FGD paper's Monte-Carlo workload (Weng et al., ATC '23, section 6.1): tasks drawn at random from the
// trace arrive and never leave, until they have asked for all of the cluster's GPUs (all of its cpus when
// the tasks or the cluster have none). At each arrival level: what is allocated, and what GPUs stay unused.
import type { Workload } from "../../shared/core/rules/fragmentation.js";
import { seededRandom } from "../../test/support/random.js";
import type { Strategy } from "./baselines.js";
import { Cluster, type TraceNode, type TracePod } from "./model.js";

/** The arrival levels recorded: every 5% of the cluster's GPUs (cpus) asked for. */
export const LEVELS = Array.from({ length: 20 }, (_, index) => (index + 1) / 20);

/** A mean over seeds and its standard deviation. */
export interface Spread {
  mean: number;
  sd: number;
}

export interface MonteCarloResult {
  strategy: string;
  /** Whether GPUs were measured: the strategy places on them and the cluster has some. */
  gpus: boolean;
  /** What the arrivals are counted in: the cluster's GPUs, or its cpus. */
  basis: "gpu" | "cpu";
  seeds: number;
  /** At each of LEVELS: the share of the cluster's GPUs left unallocated (null: the strategy or cluster has none). */
  unallocatedGpuShare: (Spread | null)[];
  /** At each of LEVELS: the share of the cluster's cpu allocated. */
  allocatedCpuShare: Spread[];
}

const spread = (values: number[]): Spread => {
  const mean = values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, values.length);
  return { mean: Number(mean.toFixed(4)), sd: Number(Math.sqrt(variance).toFixed(4)) };
};

/** Whether arrivals are counted in GPUs: when the cluster has GPUs and the tasks ask for some. */
export function basisOf(nodes: readonly TraceNode[], pods: readonly TracePod[]): "gpu" | "cpu" {
  return nodes.some((node) => node.gpus > 0) && pods.some((pod) => pod.gpus > 0) ? "gpu" : "cpu";
}

/** One seed's run: the allocation at each level. */
function runOnce(
  nodes: readonly TraceNode[],
  pods: readonly TracePod[],
  strategy: Strategy,
  workload: Workload,
  seed: number,
) {
  const cluster = new Cluster(nodes);
  const placer = strategy.placer(cluster, { random: seededRandom(seed * 7919 + 1), workload });
  const draw = seededRandom(seed);
  const totals = cluster.totals();
  const basis = basisOf(nodes, pods);
  const capacity = basis === "gpu" ? totals.gpuMilli : totals.cpu;
  const ask = (pod: TracePod) => (basis === "gpu" ? pod.gpus * pod.gpuMilli : pod.cpuMilli);
  const unallocated: number[] = [];
  const cpu: number[] = [];
  let asked = 0;
  let allocatedCpu = 0;
  let allocatedGpu = 0;
  let level = 0;
  const record = () => {
    unallocated.push(1 - allocatedGpu / Math.max(1, totals.gpuMilli));
    cpu.push(allocatedCpu / totals.cpu);
  };
  // Bounded, in case no task asks for what arrivals are counted in.
  for (let arrivals = 0; pods.length > 0 && arrivals < 100 * pods.length; arrivals++) {
    const pod = pods[Math.floor(draw() * pods.length)] as TracePod;
    // As the simulator's tuneUpPods: the task that would ask past the cluster's capacity does not arrive.
    if (asked + ask(pod) > capacity) break;
    asked += ask(pod);
    const choice = placer.choose(pod);
    if (choice) {
      cluster.apply(choice, pod, 1);
      allocatedCpu += pod.cpuMilli;
      if (placer.gpus) allocatedGpu += pod.gpus * pod.gpuMilli;
    }
    while (level < LEVELS.length && asked >= (LEVELS[level] as number) * capacity) {
      record();
      level++;
    }
  }
  while (level++ < LEVELS.length) record();
  return { unallocated, cpu, gpus: placer.gpus, basis };
}

/** The Monte-Carlo workload over `seeds` seeds (1, 2, ...): the same arrivals for every strategy. */
export function monteCarlo(
  nodes: readonly TraceNode[],
  pods: readonly TracePod[],
  strategy: Strategy,
  workload: Workload,
  seeds: number,
): MonteCarloResult {
  const runs = Array.from({ length: seeds }, (_, seed) => runOnce(nodes, pods, strategy, workload, seed + 1));
  // GPU measures for strategies that place on GPUs, on a cluster that has some.
  const gpus = (runs[0]?.gpus ?? false) && nodes.some((node) => node.gpus > 0);
  return {
    strategy: strategy.name,
    gpus,
    basis: runs[0]?.basis ?? "cpu",
    seeds,
    unallocatedGpuShare: LEVELS.map((_, at) =>
      gpus ? spread(runs.map((run) => run.unallocated[at] ?? 0)) : null,
    ),
    allocatedCpuShare: LEVELS.map((_, at) => spread(runs.map((run) => run.cpu[at] ?? 0))),
  };
}
