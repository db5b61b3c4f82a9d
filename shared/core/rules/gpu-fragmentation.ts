import { assignGpus, WHOLE } from "../gpus.js";
import { gpuShares, type Host } from "../host.js";
import type { PlacementSummary } from "../placement.js";
import type { ContainerRequest } from "../request.js";
import {
  fgdScore,
  fragmentation,
  type GpuNode,
  MAX_NODE_SCORE,
  type TaskShape,
  typicalWorkload,
  type Workload,
  withTask,
} from "./fragmentation.js";
import type { ScoreRule } from "./registry.js";

// Fragmentation Gradient Descent (Weng et al., USENIX ATC '23, section 4) as a score rule: the host
// whose GPU fragmentation against the cluster's workload grows least with the request on it, the request
// on the devices the scheduler would give it (gpus.ts). The arithmetic is fragmentation.ts's, which the
// bench's FGD baseline runs too. FGD itself also chooses a shared device by its growth (fgdChoice); for
// the gpu type that left more GPUs unallocated on openb's Monte-Carlo workload than gpus.ts' fullest
// device (5.0% against 4.9%, 10 seeds; 5.0% with ties to the fullest), so the rule scores the device
// the placement will take.

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

/** Whether each view seen has a host with GPU devices, kept while the view lives (views are not changed in place). */
const viewsWithGpus = new WeakMap<readonly Host[], boolean>();

/**
 * Whether any of the view's hosts has GPU devices. Without, the rule scores every host alike (no
 * growth) and is left out of the sum: on a cluster without GPUs, batch's decisions then cost what two
 * rules do, not three (about 5% of a decision on 1,523 hosts). Once per view, not per decision: a
 * scheduler's view is one list until the view changes.
 */
function anyGpus(hosts: readonly Host[]): boolean {
  let known = viewsWithGpus.get(hosts);
  if (known === undefined) {
    known = hosts.some((host) => host.gpus !== null);
    viewsWithGpus.set(hosts, known);
  }
  return known;
}

/** FGD's score of a host whose fragmentation does not change, as this rule gives it. */
const NO_GROWTH = fgdScore(0) / MAX_NODE_SCORE;

/** The least fragmenting host first (the gpu type's rule). */
export const gpuFragmentation: ScoreRule = {
  name: "gpu-fragmentation",
  description:
    "how little the host's GPU fragmentation (the GPU share the workload's typical requests could not use there) grows with the request on it: FGD, Weng et al., ATC '23",
  range: [0, 1],
  packs: true,
  uses: (_, hosts) => anyGpus(hosts),
  score(host, request, context) {
    // No devices, no fragmentation before or after (FGD's score of no growth): the workload, made once
    // per decision and costing more than the decision itself on a small cluster, is not needed.
    if (host.gpus === null) return NO_GROWTH;
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
    return fgdScore(growth) / MAX_NODE_SCORE;
  },
};
