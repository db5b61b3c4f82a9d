// The time replay: the trace's arrivals and departures in time order through one strategy, measuring
// the hosts it keeps in use against the fewest that could hold what is alive.
import type { Workload } from "../../shared/core/rules/fragmentation.js";
import { seededRandom } from "../../test/support/random.js";
import type { Strategy } from "./baselines.js";
import { type Choice, Cluster, hostsFor, type TraceNode, type TracePod } from "./model.js";

export interface ReplayResult {
  strategy: string;
  /** Whether the strategy placed GPU tasks on GPU devices (all but `first-fit (cpu, memory)` do). */
  gpus: boolean;
  pods: number;
  placedShare: number;
  peakHostsInUse: number;
  meanHostsInUse: number;
  /** The fewest hosts (largest first) that hold the demand alive at once, of each resource the strategy sees. */
  lowerBound: number;
  /** The peak cpu capacity of the hosts in use, in hosts of the largest size (a 96-CPU host is 0.75 of a 128). */
  capacityWeightedHostsInUse: number;
  /** The share of free capacity stranded on hosts that cannot take the median request, averaged over the run. */
  cpuFragmentation: number;
  memoryFragmentation: number;
  maxReplicasOnOneHost: number;
  /** Reserved cpu over cluster cpu at each sample. */
  utilisation: number[];
  /** Hosts holding at least one pod at each sample, for the chart. */
  hostsInUse: number[];
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** Replays the trace through `strategy`, sampling the cluster `samples` times for the charts and fragmentation. */
export function replay(
  nodes: readonly TraceNode[],
  pods: readonly TracePod[],
  strategy: Strategy,
  workload: Workload,
  samples = 100,
): ReplayResult {
  const random = seededRandom(7);
  const cluster = new Cluster(nodes);
  const placer = strategy.placer(cluster, { random, workload });
  const descending = (values: number[]) => values.sort((a, b) => b - a);
  const cpuCapacities = descending(nodes.map((node) => node.cpuMilli));
  const memoryCapacities = descending(nodes.map((node) => node.memory));
  const gpuCapacities = descending(nodes.map((node) => node.gpus * 1000));
  const largestCpu = cpuCapacities[0] ?? 1;
  const { cpu: totalCpu } = cluster.totals();
  const sizes = [...pods].sort((a, b) => a.cpuMilli - b.cpuMilli);
  const median = sizes[Math.floor(sizes.length / 2)] ?? { cpuMilli: 0, memory: 0 };

  type Event = { time: number; arrival: boolean; pod: TracePod; order: number };
  const events: Event[] = pods.flatMap((pod, order) => [
    { time: pod.created, arrival: true, pod, order },
    ...(Number.isFinite(pod.deleted) ? [{ time: pod.deleted, arrival: false, pod, order }] : []),
  ]);
  events.sort((a, b) => a.time - b.time || Number(a.arrival) - Number(b.arrival) || a.order - b.order);

  const where = new Map<number, Choice>();
  const replicas = new Map<string, number>();
  let placed = 0;
  let peak = 0;
  let peakCpuInUse = 0;
  let inUseSum = 0;
  let lowerBound = 0;
  const demand = { cpu: 0, memory: 0, gpu: 0 };
  let cpuStranded = 0;
  let memoryStranded = 0;
  let maxReplicas = 0;
  const utilisation: number[] = [];
  const hostsInUse: number[] = [];
  const every = Math.max(1, Math.floor(events.length / samples));
  for (const [step, { arrival, pod, order }] of events.entries()) {
    const sign = arrival ? 1 : -1;
    demand.cpu += sign * pod.cpuMilli;
    demand.memory += sign * pod.memory;
    demand.gpu += sign * pod.gpus * pod.gpuMilli;
    if (arrival) {
      const choice = placer.choose(pod);
      if (choice) {
        cluster.apply(choice, pod, 1);
        placed++;
        where.set(order, choice);
        const key = `${choice.node}|${pod.image}`;
        const count = (replicas.get(key) ?? 0) + 1;
        replicas.set(key, count);
        maxReplicas = Math.max(maxReplicas, count);
      }
    } else {
      const choice = where.get(order);
      if (choice) {
        cluster.apply(choice, pod, -1);
        placer.released?.(choice, pod);
        const key = `${choice.node}|${pod.image}`;
        replicas.set(key, (replicas.get(key) ?? 1) - 1);
        where.delete(order);
      }
    }
    peak = Math.max(peak, cluster.inUse);
    peakCpuInUse = Math.max(peakCpuInUse, cluster.cpuInUse);
    inUseSum += cluster.inUse;
    lowerBound = Math.max(
      lowerBound,
      hostsFor(demand.cpu, cpuCapacities),
      hostsFor(demand.memory, memoryCapacities),
      placer.gpus ? hostsFor(demand.gpu, gpuCapacities) : 0,
    );
    if (step % every === 0 || step === events.length - 1) {
      let free = 0;
      let freeMemory = 0;
      let stranded = 0;
      let strandedMemory = 0;
      for (let node = 0; node < nodes.length; node++) {
        const cpu = cluster.cpu[node] ?? 0;
        const memory = cluster.memory[node] ?? 0;
        free += cpu;
        freeMemory += memory;
        if (cpu < median.cpuMilli || memory < median.memory) {
          stranded += cpu;
          strandedMemory += memory;
        }
      }
      cpuStranded += free === 0 ? 0 : stranded / free;
      memoryStranded += freeMemory === 0 ? 0 : strandedMemory / freeMemory;
      utilisation.push(round((totalCpu - free) / totalCpu, 4));
      hostsInUse.push(cluster.inUse);
    }
  }
  return {
    strategy: strategy.name,
    gpus: placer.gpus,
    pods: pods.length,
    placedShare: round(placed / Math.max(1, pods.length), 4),
    peakHostsInUse: peak,
    meanHostsInUse: round(inUseSum / Math.max(1, events.length), 1),
    lowerBound,
    capacityWeightedHostsInUse: round(peakCpuInUse / largestCpu, 1),
    cpuFragmentation: round(cpuStranded / Math.max(1, utilisation.length)),
    memoryFragmentation: round(memoryStranded / Math.max(1, utilisation.length)),
    maxReplicasOnOneHost: maxReplicas,
    utilisation,
    hostsInUse,
  };
}
