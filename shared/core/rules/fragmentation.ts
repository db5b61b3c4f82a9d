// GPU fragmentation and Fragmentation Gradient Descent (FGD), after Weng et al., "Beware of Fragmentation:
// Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX ATC '23, sections 3-4.
// Pure arithmetic over a node's free cpu and the free share of each of its GPU devices: no scheduler
// state, so the bench's FGD baseline and a future GPU score rule share it.

/** Milli-GPU in one whole device. */
export const MILLI_PER_GPU = 1000;

/** What of a node is free, as FGD sees it: cpu, and each GPU device's free milli (1000: the whole device). */
export interface GpuNode {
  cpuMilli: number;
  gpuMilli: readonly number[];
  /** The devices' model, when tasks may ask for one. */
  model?: string;
}

/** A task's shape: its cpu, how many GPU devices and how much of each (gpuMilli 1-1000; 0 when gpus is 0). */
export interface TaskShape {
  cpuMilli: number;
  gpus: number;
  gpuMilli: number;
  /** The GPU models it may run on; absent or empty: any. */
  models?: readonly string[];
}

/** The target workload: task shapes and how often each arrives (the shares sum to 1). */
export type Workload = readonly { shape: TaskShape; share: number }[];

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** Whether the node's devices are of a model the task may use (the paper's "no access" otherwise). */
function reachable(node: GpuNode, task: TaskShape): boolean {
  return !task.models?.length || (node.model !== undefined && task.models.includes(node.model));
}

/** Whether `task.gpus` devices each have `task.gpuMilli` free. */
function gpusFit(node: GpuNode, task: TaskShape): boolean {
  let enough = 0;
  for (const free of node.gpuMilli) if (free >= task.gpuMilli) enough++;
  return enough >= task.gpus;
}

/** Whether the task fits the node's free cpu and GPUs (memory is the caller's to check: FGD ignores it). */
export function fits(node: GpuNode, task: TaskShape): boolean {
  if (node.cpuMilli < task.cpuMilli) return false;
  return task.gpus === 0 || (reachable(node, task) && gpusFit(node, task));
}

/**
 * How much of the node's free GPU (in milli) one task shape cannot use (section 3.2): all of it when the
 * task asks for no GPU, cannot reach the node's model, or lacks cpu or devices there; otherwise the
 * free milli of the devices with less than the task's per-device share. As the authors' simulator
 * (pkg/utils/frag.go, NodeGpuShareFragAmount): the "satisfied" case counts only those devices.
 */
export function taskFragmentation(node: GpuNode, task: TaskShape): number {
  const free = sum(node.gpuMilli);
  if (free === 0) return 0;
  if (task.gpus === 0 || !reachable(node, task) || node.cpuMilli < task.cpuMilli || !gpusFit(node, task))
    return free;
  let stranded = 0;
  for (const milli of node.gpuMilli) if (milli < task.gpuMilli) stranded += milli;
  return stranded;
}

/** The node's GPU fragmentation against the workload: the expected milli-GPU a task arriving now cannot use. */
export function fragmentation(node: GpuNode, workload: Workload): number {
  let expected = 0;
  for (const { shape, share } of workload) expected += share * taskFragmentation(node, shape);
  return expected;
}

/**
 * The node once the task is on it, or undefined when it does not fit. A task sharing one device takes
 * `device` (any that has room); whole-device and multi-device tasks take the devices with the least
 * room that is enough, so fuller devices fill first (the simulator's NodeResource.Sub).
 */
export function withTask(node: GpuNode, task: TaskShape, device?: number): GpuNode | undefined {
  if (!fits(node, task)) return undefined;
  const gpuMilli = [...node.gpuMilli];
  if (device !== undefined) {
    if ((gpuMilli[device] ?? -1) < task.gpuMilli || task.gpus !== 1) return undefined;
    gpuMilli[device] = (gpuMilli[device] ?? 0) - task.gpuMilli;
  } else {
    const order = gpuMilli.map((_, index) => index).sort((a, b) => (gpuMilli[a] ?? 0) - (gpuMilli[b] ?? 0));
    let left = task.gpus;
    for (const index of order) {
      if (left === 0) break;
      if ((gpuMilli[index] ?? 0) >= task.gpuMilli) {
        gpuMilli[index] = (gpuMilli[index] ?? 0) - task.gpuMilli;
        left--;
      }
    }
  }
  return { ...node, cpuMilli: node.cpuMilli - task.cpuMilli, gpuMilli };
}

/** Where FGD would put a task on one node. */
export interface FgdChoice {
  /** Fragmentation after minus before, in milli-GPU. */
  growth: number;
  /** FGD's score of the node, 0-100, higher better (see fgdScore). */
  score: number;
  /** The device a task sharing one GPU takes; absent otherwise. */
  device?: number;
}

/** The most a node scores (kube-scheduler's MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

/**
 * FGD's score of a growth of fragmentation, as the authors' simulator computes it (fgd_score.go):
 * ⌊100·σ(−growth / scale)⌋, `scale` in milli-GPU (by default one GPU, the simulator's), so 50 for no
 * change, higher when fragmentation shrinks. The integer steps make close growths tie (a step is about
 * scale / 25 milli-GPU near no change); the simulator then takes the first node by name, and both are
 * part of FGD's result: on openb's GPU nodes (one seed, 100% arrival) they left 4.6% of the GPUs
 * unallocated (the paper's 4.7%), exact growths 5.5%, exact growths with random ties 10%.
 */
export function fgdScore(growth: number, scale = MILLI_PER_GPU): number {
  return Math.trunc(MAX_NODE_SCORE / (1 + Math.exp(growth / scale)));
}

/**
 * FGD's step on one node (section 4.2): how the node's fragmentation grows with the task on it; a task
 * that shares a device tries each device with room and takes the best-scored (the first on ties).
 * Undefined when the task does not fit. FGD places on the best-scored node.
 */
export function fgdChoice(node: GpuNode, task: TaskShape, workload: Workload): FgdChoice | undefined {
  if (!fits(node, task)) return undefined;
  const before = fragmentation(node, workload);
  const choice = (after: GpuNode, device?: number): FgdChoice => {
    const growth = fragmentation(after, workload) - before;
    return { growth, score: fgdScore(growth), ...(device !== undefined && { device }) };
  };
  if (task.gpus === 1 && task.gpuMilli < MILLI_PER_GPU) {
    let best: FgdChoice | undefined;
    for (const [device, free] of node.gpuMilli.entries()) {
      if (free < task.gpuMilli) continue;
      const candidate = choice(withTask(node, task, device) as GpuNode, device);
      if (!best || candidate.score > best.score) best = candidate;
    }
    return best;
  }
  return choice(withTask(node, task) as GpuNode);
}

/** The popularity threshold of the simulator's typical pods (scripts/generate_config_and_run.py: 95). */
export const TYPICAL_SHARE = 0.95;

/** A shape's identity, for counting: tasks of one shape are interchangeable to FGD. */
export function shapeKey(task: TaskShape): string {
  return `${task.cpuMilli}/${task.gpus}x${task.gpuMilli}/${task.models?.join("|") ?? ""}`;
}

/**
 * The target workload of a list of tasks (the simulator's GetTypicalPods): shapes by how often they
 * occur, the most frequent first, taken one at a time (the simulator's podIncreaseStep: 1) until they
 * cover `threshold` of the tasks, then their shares renormalised to sum to 1. Memory is not
 * part of a shape, as in the paper.
 */
export function typicalWorkload(tasks: readonly TaskShape[], threshold = TYPICAL_SHARE): Workload {
  const counts = new Map<string, { shape: TaskShape; count: number }>();
  for (const task of tasks) {
    const key = shapeKey(task);
    const entry = counts.get(key) ?? { shape: task, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  const ranked = [...counts.values()].sort(
    (a, b) => b.count - a.count || a.shape.cpuMilli - b.shape.cpuMilli || a.shape.gpuMilli - b.shape.gpuMilli,
  );
  let taken = 0;
  let covered = 0;
  while (taken < ranked.length && covered < threshold * tasks.length) covered += ranked[taken++]?.count ?? 0;
  return ranked.slice(0, taken).map(({ shape, count }) => ({ shape, share: count / covered }));
}
