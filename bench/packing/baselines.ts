// The packing baselines, each scoring every node that fits on the bench's cluster (cpu, memory and GPU
// devices), the best taken. They follow the FGD authors' simulator
// (hkust-adsl/kubernetes-scheduler-simulator, pkg/simulator/plugin) where it has them, kube-scheduler's
// and Nomad's scores otherwise.
import {
  type FgdChoice,
  fgdChoice,
  MAX_NODE_SCORE,
  MILLI_PER_GPU,
  shapeKey,
  type Workload,
} from "../../shared/core/rules/fragmentation.js";
import type { Choice, Cluster, TraceNode, TracePod } from "./model.js";

/** Places pods one at a time on a cluster. */
export interface Placer {
  /** Whether it places GPU tasks on GPU devices; when not, by cpu and memory alone. */
  gpus: boolean;
  /** Where the pod goes, or undefined when it fits nowhere; the caller applies the choice. */
  choose(pod: TracePod): Choice | undefined;
  /** Told of a pod taken off a node (the product's placers keep hosts of their own). */
  released?(choice: Choice, pod: TracePod): void;
}

export interface PlacerContext {
  random: () => number;
  /** The target workload FGD measures fragmentation against. */
  workload: Workload;
}

export interface Strategy {
  name: string;
  /** False to leave it out of the Monte-Carlo workload (to keep the bench's time: it adds nothing to learn). */
  monteCarlo?: false;
  /** Builds a placer over a fresh cluster. */
  placer(cluster: Cluster, context: PlacerContext): Placer;
}

/** A node's score for a pod that fits, higher better. */
type NodeScore = (cluster: Cluster, node: number, pod: TracePod) => number;

/**
 * The best-scored node that fits (every node scanned); shared GPUs on the fullest device that has room.
 * Ties go to the first node in the trace's order, as in the FGD authors' simulator, whose kube-scheduler
 * takes the first node by name (its patched generic_scheduler.go selectHost), not one at random.
 */
function scored(name: string, score: (cluster: Cluster) => NodeScore, gpus = true): Strategy {
  return {
    name,
    placer: (cluster) => {
      const of = score(cluster);
      return {
        gpus,
        choose: (pod) => {
          let best = -1;
          let bestScore = Number.NEGATIVE_INFINITY;
          for (let node = 0; node < cluster.nodes.length; node++) {
            if (!cluster.fits(node, pod, gpus)) continue;
            const value = of(cluster, node, pod);
            if (value > bestScore) {
              best = node;
              bestScore = value;
            }
          }
          if (best < 0) return undefined;
          return { node: best, devices: gpus ? cluster.devicesFor(best, pod) : [] };
        },
      };
    },
  };
}

/** The largest node's cpu and GPU milli: the simulator normalises by the largest spec (128 CPUs, 8 GPUs). */
function largest(cluster: Cluster): { cpu: number; gpuMilli: number } {
  let cpu = 1;
  let gpuMilli = 1;
  for (const node of cluster.nodes) {
    cpu = Math.max(cpu, node.cpuMilli);
    gpuMilli = Math.max(gpuMilli, node.gpus * MILLI_PER_GPU);
  }
  return { cpu, gpuMilli };
}

const freeGpu = (cluster: Cluster, node: number) =>
  (cluster.gpu[node] ?? []).reduce((sum, free) => sum + free, 0);

/** First-fit: the first node in the trace's order that fits. */
export const firstFit = (gpus = true): Strategy =>
  scored(gpus ? "first-fit" : "first-fit (cpu, memory)", () => (_, node) => -node, gpus);

/**
 * Best-fit: the least leftover once placed, cpu and GPU weighted 0.5 each over the largest node's, as
 * an integer 0-100 (the simulator's best_fit_score.go).
 */
export const bestFit: Strategy = scored("best-fit", (cluster) => {
  const max = largest(cluster);
  return (_, node, pod) => {
    const leftover =
      0.5 * (((cluster.cpu[node] ?? 0) - pod.cpuMilli) / max.cpu) +
      0.5 * ((freeGpu(cluster, node) - pod.gpus * pod.gpuMilli) / max.gpuMilli);
    return Math.trunc((1 - leftover) * MAX_NODE_SCORE);
  };
});

/**
 * Dot-product (Tetris, Grandl et al., SIGCOMM '14) as the FGD paper ran it (dot_product_score.go, GPUs
 * merged into one dimension, normalised by the largest node, an integer 0-100): the node whose free
 * (cpu, GPU) vector has the least dot product with the pod's.
 */
export const dotProduct: Strategy = scored("dot-product", (cluster) => {
  const max = largest(cluster);
  return (_, node, pod) => {
    const dot =
      ((cluster.cpu[node] ?? 0) / max.cpu) * (pod.cpuMilli / max.cpu) +
      (freeGpu(cluster, node) / max.gpuMilli) * ((pod.gpus * pod.gpuMilli) / max.gpuMilli);
    return Math.trunc((1 - dot / 2) * MAX_NODE_SCORE);
  };
});

/** kube-scheduler's MostAllocated (most_allocated.go): the mean over cpu and memory of ⌊100·requested / capacity⌋. */
export const mostAllocated: Strategy = scored("most-allocated", () => (cluster, node, pod) => {
  const { cpuMilli, memory } = cluster.nodes[node] as TraceNode;
  const cpu = Math.trunc(((cpuMilli - (cluster.cpu[node] ?? 0) + pod.cpuMilli) * MAX_NODE_SCORE) / cpuMilli);
  const ram = Math.trunc(((memory - (cluster.memory[node] ?? 0) + pod.memory) * MAX_NODE_SCORE) / memory);
  return Math.trunc((cpu + ram) / 2);
});

/** Nomad's binpack (structs/funcs.go ScoreFitBinPack): 20 − (10^freeCpu + 10^freeMemory), each free share once placed. */
export const nomadBinpack: Strategy = scored("nomad-binpack", () => (cluster, node, pod) => {
  const { cpuMilli, memory } = cluster.nodes[node] as TraceNode;
  const freeCpu = ((cluster.cpu[node] ?? 0) - pod.cpuMilli) / cpuMilli;
  const freeMemory = ((cluster.memory[node] ?? 0) - pod.memory) / memory;
  return 20 - (10 ** freeCpu + 10 ** freeMemory);
});

/** Random: any node that fits, each as likely. */
export const randomFit: Strategy = {
  name: "random",
  placer: (cluster, { random }) => ({
    gpus: true,
    choose: (pod) => {
      let chosen = -1;
      let seen = 0;
      for (let node = 0; node < cluster.nodes.length; node++) {
        if (cluster.fits(node, pod, true) && random() * ++seen < 1) chosen = node;
      }
      return chosen < 0 ? undefined : { node: chosen, devices: cluster.devicesFor(chosen, pod) };
    },
  }),
};

/**
 * FGD (Weng et al., ATC '23): the node, and for a shared GPU the device, best scored by fgdScore (where
 * the node's fragmentation against the target workload grows least). A node's choice for a shape is
 * kept until the node changes.
 */
export const fgd: Strategy = {
  name: "fgd",
  placer: (cluster, { workload }) => {
    const cache = cluster.nodes.map(() => ({
      version: -1,
      choices: new Map<string, FgdChoice | undefined>(),
    }));
    const choiceOn = (node: number, pod: TracePod, key: string) => {
      const entry = cache[node] as (typeof cache)[number];
      if (entry.version !== cluster.version[node]) {
        entry.version = cluster.version[node] ?? 0;
        entry.choices.clear();
      }
      if (!entry.choices.has(key)) entry.choices.set(key, fgdChoice(cluster.gpuNode(node), pod, workload));
      return entry.choices.get(key) as FgdChoice;
    };
    return {
      gpus: true,
      choose: (pod) => {
        const key = shapeKey(pod);
        let best: { node: number; choice: FgdChoice } | undefined;
        for (let node = 0; node < cluster.nodes.length; node++) {
          if (!cluster.fits(node, pod, true)) continue;
          const choice = choiceOn(node, pod, key);
          if (!best || choice.score > best.choice.score) best = { node, choice };
        }
        if (!best) return undefined;
        return { node: best.node, devices: cluster.devicesFor(best.node, pod, best.choice.device) };
      },
    };
  },
};

/** The baselines, in the report's order. */
export const BASELINES: readonly Strategy[] = [
  firstFit(),
  firstFit(false),
  bestFit,
  dotProduct,
  mostAllocated,
  nomadBinpack,
  randomFit,
  fgd,
];
