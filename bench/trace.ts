import { readFileSync } from "node:fs";
import { type Host, newHost } from "../shared/core/host.js";
import { imageTag } from "../shared/core/image.js";
import { feasibleEnough, filterHosts, type HostScore, selectHost } from "../shared/core/pipeline.js";
import { summaryOf } from "../shared/core/placement.js";
import { ReplicaIndex } from "../shared/core/replica-index.js";
import type { ContainerRequest } from "../shared/core/request.js";
import { added, amounts } from "../shared/core/resources.js";
import { type SchedulerType, schedulerType } from "../shared/core/schedulers.js";
import { type ScoreView, scoring } from "../shared/core/scoring.js";
import { placement } from "../test/support/fixtures.js";
import { seededRandom } from "../test/support/random.js";

export interface TraceNode {
  id: string;
  cpuMilli: number;
  memory: number;
}

export interface TracePod {
  name: string;
  cpuMilli: number;
  memory: number;
  created: number;
  deleted: number;
  /** Pods of one shape stand for replicas of one image (the trace names no images). */
  image: string;
}

function rows(file: string): Record<string, string>[] {
  const [header = "", ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const names = header.split(",");
  return lines.map((line) =>
    Object.fromEntries(line.split(",").map((value, index) => [names[index] ?? "", value])),
  );
}

/** Reads a trace of the openb format (nodes: sn, cpu_milli, memory_mib; pods: cpu_milli, memory_mib, times). */
export function readTrace(nodesFile: string, podsFile: string): { nodes: TraceNode[]; pods: TracePod[] } {
  const nodes = rows(nodesFile).map((row) => ({
    id: (row.sn ?? "").replace(/[^A-Za-z0-9_-]/g, "-"),
    cpuMilli: Number(row.cpu_milli),
    memory: Number(row.memory_mib),
  }));
  const pods = rows(podsFile).map((row) => ({
    name: row.name ?? "",
    cpuMilli: Number(row.cpu_milli),
    memory: Number(row.memory_mib),
    created: Number(row.creation_time),
    deleted: Number(row.deletion_time || Number.POSITIVE_INFINITY),
    image: `shape/${row.cpu_milli}-${row.memory_mib}-${row.num_gpu}:1`,
  }));
  return { nodes, pods };
}

/** How one decision scores feasible hosts. */
type Scorer = (request: ContainerRequest, view: ScoreView) => HostScore;

export interface Strategy {
  name: string;
  /** Scores a feasible host; built per run, since first-fit needs the hosts' order. */
  scorer: (nodes: TraceNode[], random: () => number) => Scorer;
  sampled: boolean;
}

/** The scoring of a built-in scheduler type. */
function ofType(type: string): () => Scorer {
  const scheduler = schedulerType(type) as SchedulerType;
  return () => (request, view) => scoring(scheduler, request, view).score;
}

export const STRATEGIES: Strategy[] = [
  { name: "binpack", scorer: ofType("batch"), sampled: true },
  { name: "binpack (all hosts)", scorer: ofType("batch"), sampled: false },
  { name: "spread", scorer: ofType("service"), sampled: true },
  { name: "random", scorer: (_, random) => () => () => random(), sampled: true },
  {
    name: "first-fit",
    scorer: (nodes) => {
      const order = new Map(nodes.map((node, index) => [node.id, index]));
      return () => (host) => -(order.get(host.id) ?? 0);
    },
    sampled: false,
  },
];

export interface TraceResult {
  strategy: string;
  pods: number;
  placedShare: number;
  peakHostsInUse: number;
  lowerBound: number;
  cpuFragmentation: number;
  memoryFragmentation: number;
  maxReplicasOnOneHost: number;
  /** Reserved cpu over cluster cpu at each sample. */
  utilisation: number[];
  /** Hosts holding at least one pod at each sample, for the chart. */
  hostsInUse: number[];
  saturationCpuPlaced: number;
}

/** Hosts needed to hold `demand`, filling the largest first (all of them when it does not fit): a lower bound. */
function hostsFor(demand: number, capacities: number[]): number {
  let sum = 0;
  for (const [index, capacity] of capacities.entries()) {
    if (sum >= demand) return index;
    sum += capacity;
  }
  return capacities.length;
}

function request(pod: TracePod): ContainerRequest {
  return {
    image: pod.image,
    amounts: amounts({ cpu: pod.cpuMilli, memory: pod.memory }),
    type: "bench",
    constraints: [],
    labels: {},
  };
}

function cluster(nodes: TraceNode[]): Host[] {
  const at = new Date(0);
  return nodes.map((node) =>
    newHost(
      { addr: `${node.id}:2375`, id: node.id, total_cpus: node.cpuMilli, total_memory: node.memory },
      at,
    ),
  );
}

/** Places one pod with the real engine; returns the index of the host or -1. */
function placeOne(
  hosts: Host[],
  index: ReplicaIndex,
  pod: TracePod,
  score: Scorer,
  sampled: boolean,
  random: () => number,
): number {
  const wanted = request(pod);
  const { feasible } = filterHosts(
    hosts,
    wanted,
    sampled ? { limit: feasibleEnough(hosts.length), random } : undefined,
  );
  const chosen = selectHost(feasible, score(wanted, { hosts, replicas: index.of(wanted.image) }), {
    nearBest: 1,
    random,
  });
  if (!chosen) return -1;
  const position = hosts.indexOf(chosen);
  change(hosts, index, position, {
    ...chosen,
    free: added(chosen.free, amounts({ cpu: pod.cpuMilli, memory: pod.memory }), -1),
    placements: [...chosen.placements, summaryOf(placement(chosen.id, pod.cpuMilli, pod.memory, pod.image))],
  });
  return position;
}

function release(hosts: Host[], index: ReplicaIndex, position: number, pod: TracePod): void {
  const host = hosts[position];
  if (!host) return;
  const at = host.placements.findIndex(
    (placement) => placement.imageTag === imageTag(pod.image) && placement.amounts.cpu === pod.cpuMilli,
  );
  change(hosts, index, position, {
    ...host,
    free: added(host.free, amounts({ cpu: pod.cpuMilli, memory: pod.memory })),
    placements: host.placements.filter((_, other) => other !== at),
  });
}

/** Replaces the host at `position`, in the list and in its replica index. */
function change(hosts: Host[], index: ReplicaIndex, position: number, host: Host): void {
  index.replace(hosts[position], host);
  hosts[position] = host;
}

/**
 * Replays the trace (arrivals and departures in time order; cpu and memory) through a strategy, then a
 * saturation run (arrivals only, cycling through the pods until 1.5x the cluster's cpu was asked for).
 */
export function replay(nodes: TraceNode[], pods: TracePod[], strategy: Strategy, samples = 100): TraceResult {
  const random = seededRandom(7);
  const score = strategy.scorer(nodes, random);
  const hosts = cluster(nodes);
  const replicas = new ReplicaIndex();
  const totalCpu = nodes.reduce((sum, node) => sum + node.cpuMilli, 0);
  const cpuCapacities = nodes.map((node) => node.cpuMilli).sort((a, b) => b - a);
  const memoryCapacities = nodes.map((node) => node.memory).sort((a, b) => b - a);
  const sortedSizes = [...pods].sort((a, b) => a.cpuMilli - b.cpuMilli);
  const median = sortedSizes[Math.floor(sortedSizes.length / 2)] ?? { cpuMilli: 0, memory: 0 };

  type Event = { time: number; arrival: boolean; pod: TracePod; order: number };
  const events: Event[] = pods.flatMap((pod, order) => [
    { time: pod.created, arrival: true, pod, order },
    ...(Number.isFinite(pod.deleted) ? [{ time: pod.deleted, arrival: false, pod, order }] : []),
  ]);
  events.sort((a, b) => a.time - b.time || Number(a.arrival) - Number(b.arrival) || a.order - b.order);

  const where = new Map<number, number>();
  let placed = 0;
  let peak = 0;
  let lowerBound = 0;
  let demandCpu = 0;
  let demandMemory = 0;
  let cpuStranded = 0;
  let memoryStranded = 0;
  let maxReplicas = 0;
  const utilisation: number[] = [];
  const hostsInUse: number[] = [];
  const every = Math.max(1, Math.floor(events.length / samples));
  for (const [step, event] of events.entries()) {
    if (event.arrival) {
      demandCpu += event.pod.cpuMilli;
      demandMemory += event.pod.memory;
      const position = placeOne(hosts, replicas, event.pod, score, strategy.sampled, random);
      if (position >= 0) {
        placed++;
        where.set(event.order, position);
      }
    } else {
      demandCpu -= event.pod.cpuMilli;
      demandMemory -= event.pod.memory;
      const position = where.get(event.order);
      if (position !== undefined) release(hosts, replicas, position, event.pod);
      where.delete(event.order);
    }
    lowerBound = Math.max(
      lowerBound,
      hostsFor(demandCpu, cpuCapacities),
      hostsFor(demandMemory, memoryCapacities),
    );
    if (step % every === 0 || step === events.length - 1) {
      let inUse = 0;
      let free = 0;
      let freeMemory = 0;
      let stranded = 0;
      let strandedMemory = 0;
      let reserved = 0;
      for (const host of hosts) {
        if (host.placements.length > 0) inUse++;
        reserved += (host.total.cpu ?? 0) - host.free.cpu;
        free += host.free.cpu;
        freeMemory += host.free.memory;
        if (host.free.cpu < median.cpuMilli || host.free.memory < median.memory) {
          stranded += host.free.cpu;
          strandedMemory += host.free.memory;
        }
        const counts = new Map<string, number>();
        for (const placement of host.placements)
          counts.set(placement.imageTag, (counts.get(placement.imageTag) ?? 0) + 1);
        for (const count of counts.values()) maxReplicas = Math.max(maxReplicas, count);
      }
      peak = Math.max(peak, inUse);
      cpuStranded += free === 0 ? 0 : stranded / free;
      memoryStranded += freeMemory === 0 ? 0 : strandedMemory / freeMemory;
      utilisation.push(reserved / totalCpu);
      hostsInUse.push(inUse);
    }
  }

  // Saturation: arrivals only, until 1.5x the cluster's cpu was asked for.
  const saturated = cluster(nodes);
  const saturatedReplicas = new ReplicaIndex();
  let asked = 0;
  let got = 0;
  for (let index = 0; asked < totalCpu * 1.5; index++) {
    const pod = pods[index % pods.length];
    if (!pod) break;
    asked += pod.cpuMilli;
    if (placeOne(saturated, saturatedReplicas, pod, score, strategy.sampled, random) >= 0)
      got += pod.cpuMilli;
  }

  return {
    strategy: strategy.name,
    pods: pods.length,
    placedShare: Number((placed / pods.length).toFixed(4)),
    peakHostsInUse: peak,
    lowerBound,
    cpuFragmentation: Number((cpuStranded / utilisation.length).toFixed(3)),
    memoryFragmentation: Number((memoryStranded / utilisation.length).toFixed(3)),
    maxReplicasOnOneHost: maxReplicas,
    utilisation,
    hostsInUse,
    saturationCpuPlaced: Number((got / totalCpu).toFixed(3)),
  };
}

/** The offline first-fit-decreasing reference: every pod at once, largest first, on hosts largest first. */
export function firstFitDecreasing(
  nodes: TraceNode[],
  pods: TracePod[],
): { hosts: number; placedShare: number } {
  const free = [...nodes]
    .sort((a, b) => b.cpuMilli - a.cpuMilli)
    .map((node) => ({ cpu: node.cpuMilli, memory: node.memory, used: false }));
  let placed = 0;
  for (const pod of [...pods].sort((a, b) => b.cpuMilli - a.cpuMilli || b.memory - a.memory)) {
    const host = free.find((candidate) => candidate.cpu >= pod.cpuMilli && candidate.memory >= pod.memory);
    if (!host) continue;
    host.cpu -= pod.cpuMilli;
    host.memory -= pod.memory;
    host.used = true;
    placed++;
  }
  return {
    hosts: free.filter((host) => host.used).length,
    placedShare: Number((placed / pods.length).toFixed(4)),
  };
}
