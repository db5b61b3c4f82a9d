import { assignGpus, WHOLE } from "../gpus.js";
import { gpuShares, type Host } from "../host.js";
import type { PlacementSummary } from "../placement.js";
import type { ContainerRequest } from "../request.js";
import {
  fgdScore,
  fragmentation,
  type GpuNode,
  MAX_NODE_SCORE,
  MILLI_PER_GPU,
  type TaskShape,
  typicalWorkload,
  type Workload,
  withTask,
} from "./fragmentation.js";
import { anyGpus } from "./per-view.js";
import type { ScoreRule } from "./registry.js";

// Fragmentation Gradient Descent (Weng et al., USENIX ATC '23, section 4) as a score rule: the host
// whose GPU fragmentation against the cluster's workload grows least with the request on it, the request
// on the devices the scheduler would give it (gpus.ts). The arithmetic is fragmentation.ts's, which the
// bench's FGD baseline runs too. FGD itself also chooses a shared device by its growth (fgdChoice); for
// the gpu type that left more GPUs unallocated on openb's Monte-Carlo workload than gpus.ts' fullest
// device (5.0% against 4.9%, 10 seeds, in the simulator's steps; 5.0% with ties to the fullest), so the
// rule scores the device the placement will take.

/** A request's shape as FGD sees it: its cpu and its GPUs. */
function shapeOf(request: ContainerRequest): TaskShape {
  const gpus = request.gpus;
  return {
    cpuMilli: request.amounts.cpu,
    gpus: gpus?.count ?? 0,
    gpuMilli: gpus?.share ?? 0,
    ...(gpus?.models && { models: gpus.models }),
  };
}

/** A live placement's shape as FGD sees it. */
function placedShape(placement: PlacementSummary): TaskShape {
  return {
    cpuMilli: placement.amounts.cpu,
    gpus: placement.gpus?.devices.length ?? 0,
    gpuMilli: placement.gpus?.share ?? 0,
  };
}

/** About this many hosts of the view are read for the workload: a sample of what the cluster runs. */
const WORKLOAD_HOSTS = 64;

/**
 * The target workload FGD measures fragmentation against (the paper's "typical pods"): the shapes of the
 * live placements on a sample of the view's hosts (every k-th, about WORKLOAD_HOSTS of them: the whole
 * view would cost a decision at 10,000 hosts more than its scoring), and the request's own, so a cluster
 * with nothing on it still has a workload. On openb's Monte-Carlo workload this sample left fewer GPUs
 * unallocated (5.6%, two seeds) than the view's first 512 placements did (6.1%).
 */
export function workloadOf(hosts: readonly Host[], request: ContainerRequest): Workload {
  const tasks: TaskShape[] = [shapeOf(request)];
  const stride = Math.max(1, Math.floor(hosts.length / WORKLOAD_HOSTS));
  for (let at = 0; at < hosts.length; at += stride) {
    for (const placement of (hosts[at] as Host).placements) tasks.push(placedShape(placement));
  }
  return typicalWorkload(tasks);
}

/** A host as FGD sees it: its free cpu and each device's free share. */
function nodeOf(host: Host, shares: readonly number[]): GpuNode {
  return {
    cpuMilli: host.freeCpu,
    gpuMilli: shares.map((share) => WHOLE - share),
    ...(host.gpus && { model: host.gpus.model }),
  };
}

/**
 * A GPU fragmentation rule: FGD's score of the growth, ⌊100·σ(−growth / scale)⌋ / 100 (see fgdScore;
 * near no change a step of the score is about scale / 25 milli-GPU). Hosts of one step tie, and a
 * packing type takes the first of them in the view's order (place.ts' tieBreak), as FGD's simulator
 * takes the first node by name.
 */
function fragmentationRule(name: string, scale: number, description: string): ScoreRule {
  const scoreOf = (growth: number) => fgdScore(growth, scale) / MAX_NODE_SCORE;
  const noGrowth = scoreOf(0);
  return {
    name,
    description,
    range: [0, 1],
    packs: true,
    uses: (_, hosts) => anyGpus(hosts),
    score(host, request, context) {
      // No devices, no fragmentation before or after (FGD's score of no growth): the workload, made once
      // per decision and costing more than the decision itself on a small cluster, is not needed.
      if (host.gpus === null) return noGrowth;
      const shares = gpuShares(host);
      const node = nodeOf(host, shares);
      const task = shapeOf(request);
      // The devices the scheduler would give (a share: the fullest device it fits on; whole: the first free).
      const granted = request.gpus && assignGpus(request.gpus, host.gpus, shares);
      const device =
        typeof granted === "object" && task.gpus === 1 && task.gpuMilli < WHOLE
          ? granted.devices[0]
          : undefined;
      const after = withTask(node, task, device);
      if (!after) return 0;
      const workload = context.workload();
      const growth = fragmentation(after, workload) - fragmentation(node, workload);
      return scoreOf(growth);
    },
  };
}

const WHAT =
  "how little the host's GPU fragmentation (the GPU share the workload's typical requests could not use there) grows with the request on it: FGD, Weng et al., ATC '23";

/** The least fragmenting host first, in FGD's simulator's steps (a step: about 40 milli-GPU of growth). */
export const gpuFragmentation: ScoreRule = fragmentationRule(
  "gpu-fragmentation",
  MILLI_PER_GPU,
  `${WHAT}, in the steps of FGD's simulator`,
);

/**
 * The same in steps twice as wide (about 80 milli-GPU of growth each near no change), so that more hosts
 * tie and go by the view's order: for a type that leads with it (gpu, beside cpu-reserve). Alone, on
 * openb's Monte-Carlo workload at 100% arrival it left 4.78% of the GPUs unallocated where the
 * simulator's steps left 5.03% (30 seeds; FGD itself, which knows the trace's workload in advance,
 * 4.84%; over 20 seeds, three times the simulator's steps 4.79%; over 10, half of them 5.35%); on the
 * variant whose cpu-only tasks ask half of the cpu, 10.74% (FGD 10.82%, 10 seeds; three times the
 * simulator's steps 10.82%, the simulator's 10.53%, over 5).
 * Where other rules break the ties, wider steps hand them more of the decision: batch left more GPUs
 * unallocated with them, so it weighs gpu-fragmentation (5 seeds, empty hosts the largest first throughout;
 * with in-use at 0.03 and best-fit's order among equals: 5.48% twice as wide against 5.18%; as batch was,
 * hosts in use first and then the most allocated: 6.24% in the simulator's steps, 6.32% twice as wide,
 * 6.43% three times as wide).
 */
export const gpuFragmentationCoarse: ScoreRule = fragmentationRule(
  "gpu-fragmentation-coarse",
  2 * MILLI_PER_GPU,
  `${WHAT}, in steps twice as wide: more hosts tie and go by the view's order`,
);
