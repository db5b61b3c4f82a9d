// The bench's own cluster: cpu, memory and the free milli of each GPU device per node, as the trace's
// columns describe them. Baselines decide on it directly; the product's strategies decide through the
// product's pipeline and the bench applies their choice here, so every strategy is measured alike.
import type { GpuNode, TaskShape } from "../../shared/core/rules/fragmentation.js";

export interface TraceNode {
  id: string;
  cpuMilli: number;
  memory: number;
  /** GPU devices (0: none). */
  gpus: number;
  /** The devices' model ("" when none or unknown). */
  model: string;
}

export interface TracePod extends TaskShape {
  name: string;
  memory: number;
  created: number;
  deleted: number;
  /** Pods of one shape stand for replicas of one image (the trace names no images). */
  image: string;
}

/** Where a pod goes: a node, and the GPU devices it takes (pod.gpuMilli of each). */
export interface Choice {
  node: number;
  devices: number[];
}

/** The free resources of every node, kept in place, and how many pods of each image it runs. */
export class Cluster {
  readonly cpu: number[];
  readonly memory: number[];
  readonly gpu: number[][];
  /** Pods on each node. */
  readonly pods: number[];
  /** Bumped on every change of a node: caches of per-node values key on it. */
  readonly version: number[];
  inUse = 0;
  /** Cpu capacity of the nodes in use. */
  cpuInUse = 0;

  constructor(readonly nodes: readonly TraceNode[]) {
    this.cpu = nodes.map((node) => node.cpuMilli);
    this.memory = nodes.map((node) => node.memory);
    this.gpu = nodes.map((node) => Array.from({ length: node.gpus }, () => 1000));
    this.pods = nodes.map(() => 0);
    this.version = nodes.map(() => 0);
  }

  /** The node as FGD sees it (free cpu and devices). */
  gpuNode(index: number): GpuNode {
    return {
      cpuMilli: this.cpu[index] ?? 0,
      gpuMilli: this.gpu[index] ?? [],
      model: this.nodes[index]?.model,
    };
  }

  /** Whether the pod fits the node: cpu, memory, and (when `gpus`) its devices and their model. */
  fits(index: number, pod: TracePod, gpus: boolean): boolean {
    if ((this.cpu[index] ?? 0) < pod.cpuMilli || (this.memory[index] ?? 0) < pod.memory) return false;
    if (!gpus || pod.gpus === 0) return true;
    if (pod.models?.length && !pod.models.includes(this.nodes[index]?.model ?? "")) return false;
    let enough = 0;
    for (const free of this.gpu[index] ?? []) if (free >= pod.gpuMilli) enough++;
    return enough >= pod.gpus;
  }

  /**
   * The devices a pod takes on a node: those with the least room that is enough (fuller devices fill
   * first, as the simulator's NodeResource.Sub), or `device` for a task sharing one.
   */
  devicesFor(index: number, pod: TracePod, device?: number): number[] {
    if (pod.gpus === 0) return [];
    if (device !== undefined) return [device];
    const free = this.gpu[index] ?? [];
    return free
      .map((_, at) => at)
      .filter((at) => (free[at] ?? 0) >= pod.gpuMilli)
      .sort((a, b) => (free[a] ?? 0) - (free[b] ?? 0) || a - b)
      .slice(0, pod.gpus);
  }

  /** Puts the pod on the node (`sign` 1), or takes it off (−1). */
  apply(choice: Choice, pod: TracePod, sign: 1 | -1): void {
    const { node } = choice;
    const before = this.pods[node] ?? 0;
    this.cpu[node] = (this.cpu[node] ?? 0) - sign * pod.cpuMilli;
    this.memory[node] = (this.memory[node] ?? 0) - sign * pod.memory;
    const devices = this.gpu[node] ?? [];
    for (const device of choice.devices) devices[device] = (devices[device] ?? 0) - sign * pod.gpuMilli;
    this.pods[node] = before + sign;
    this.version[node] = (this.version[node] ?? 0) + 1;
    const capacity = this.nodes[node]?.cpuMilli ?? 0;
    if (before === 0 && sign === 1) {
      this.inUse++;
      this.cpuInUse += capacity;
    } else if (before === 1 && sign === -1) {
      this.inUse--;
      this.cpuInUse -= capacity;
    }
  }

  /** Totals over the nodes: cpu, GPU devices and their milli. */
  totals() {
    let cpu = 0;
    let gpus = 0;
    for (const node of this.nodes) {
      cpu += node.cpuMilli;
      gpus += node.gpus;
    }
    return { cpu, gpus, gpuMilli: gpus * 1000 };
  }
}

/** Hosts needed to hold `demand`, filling the largest first (all of them when it does not fit): a lower bound. */
export function hostsFor(demand: number, capacities: readonly number[]): number {
  let sum = 0;
  for (const [index, capacity] of capacities.entries()) {
    if (sum >= demand) return index;
    sum += capacity;
  }
  return capacities.length;
}
