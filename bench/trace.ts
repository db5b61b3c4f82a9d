// Placement quality on a real trace: the product's strategies and the packing baselines side by side, on
// the time replay and the FGD paper's Monte-Carlo workload, for the trace as read and its variants.
import { readFileSync } from "node:fs";
import { typicalWorkload } from "../shared/core/rules/fragmentation.js";
import { BASELINES, type Strategy } from "./packing/baselines.js";
import type { TraceNode, TracePod } from "./packing/model.js";
import { basisOf, LEVELS, monteCarlo } from "./packing/monte-carlo.js";
import { PRODUCT } from "./packing/product.js";
import { type ReplayResult, replay } from "./packing/replay.js";
import { VARIANTS, variantOf } from "./packing/variants.js";

export type { TraceNode, TracePod } from "./packing/model.js";

function rows(file: string): Record<string, string>[] {
  const [header = "", ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const names = header.trim().split(",");
  return lines.map((line) =>
    Object.fromEntries(
      line
        .trim()
        .split(",")
        .map((value, index) => [names[index] ?? "", value]),
    ),
  );
}

/**
 * Reads a trace of the openb format (nodes: sn, cpu_milli, memory_mib, gpu, model; pods: name, cpu_milli,
 * memory_mib, num_gpu, gpu_milli (per device), gpu_spec (models, `|` between), creation_time,
 * deletion_time). GPU columns may be absent or zero.
 */
export function readTrace(nodesFile: string, podsFile: string): { nodes: TraceNode[]; pods: TracePod[] } {
  const nodes = rows(nodesFile).map((row) => ({
    id: (row.sn ?? "").replace(/[^A-Za-z0-9_-]/g, "-"),
    cpuMilli: Number(row.cpu_milli),
    memory: Number(row.memory_mib),
    gpus: Number(row.gpu || 0),
    model: row.model ?? "",
  }));
  const pods = rows(podsFile).map((row) => {
    const gpus = Number(row.num_gpu || 0);
    const spec = row.gpu_spec ?? "";
    return {
      name: row.name ?? "",
      cpuMilli: Number(row.cpu_milli),
      memory: Number(row.memory_mib),
      gpus,
      gpuMilli: gpus > 0 ? Number(row.gpu_milli || 1000) : 0,
      ...(spec && spec !== "nan" && { models: spec.split("|") }),
      created: Number(row.creation_time),
      deleted: Number(row.deletion_time || Number.POSITIVE_INFINITY),
      image: `shape/${row.cpu_milli}-${row.memory_mib}-${row.num_gpu}x${row.gpu_milli}:1`,
    };
  });
  return { nodes, pods };
}

/** Every strategy of a trace run: the product's, then the baselines. */
export const STRATEGIES: readonly Strategy[] = [...PRODUCT, ...BASELINES];

/**
 * One strategy's figures on one trace: the time replay's (its result, without the series the charts
 * take) and the Monte-Carlo workload's at 100% arrival.
 */
export interface TraceRow extends Omit<ReplayResult, "utilisation" | "hostsInUse" | "pods"> {
  /**
   * Monte-Carlo, at 100% arrival: unallocated GPUs over the cluster's, and cpu allocated over the
   * cluster's (null when the strategy sees no GPUs, or does not run the Monte-Carlo workload).
   */
  unallocatedGpuShareAtFull: number | null;
  unallocatedGpuShareAtFullSd: number | null;
  allocatedCpuShareAtFull: number | null;
  allocatedCpuShareAtFullSd: number | null;
}

/** A strategy's series, for the charts. */
export interface TraceSeries {
  strategy: string;
  hostsInUse: number[];
  utilisation: number[];
  /** Monte-Carlo, at each arrival level (null: not run). */
  unallocatedGpuShare: (number | null)[] | null;
  allocatedCpuShare: number[] | null;
}

export interface TraceRun {
  variant: string;
  nodes: number;
  pods: number;
  /** What the Monte-Carlo arrivals are counted in. */
  basis: "gpu" | "cpu";
  seeds: number;
  rows: TraceRow[];
  series: TraceSeries[];
}

/** Runs every strategy on one trace; `step` is told of each strategy done. */
export function runTrace(
  variant: string,
  nodes: readonly TraceNode[],
  pods: readonly TracePod[],
  options: { seeds: number; strategies?: readonly Strategy[]; step?: (label: string) => void },
): TraceRun {
  const workload = typicalWorkload(pods);
  const rows: TraceRow[] = [];
  const series: TraceSeries[] = [];
  for (const strategy of options.strategies ?? STRATEGIES) {
    const {
      strategy: name,
      utilisation,
      hostsInUse,
      pods: _,
      ...timed
    } = replay(nodes, pods, strategy, workload);
    const carlo =
      strategy.monteCarlo === false ? undefined : monteCarlo(nodes, pods, strategy, workload, options.seeds);
    const full = LEVELS.length - 1;
    const unallocated = carlo?.unallocatedGpuShare[full] ?? null;
    const cpu = carlo?.allocatedCpuShare[full] ?? null;
    rows.push({
      strategy: name,
      ...timed,
      unallocatedGpuShareAtFull: unallocated?.mean ?? null,
      unallocatedGpuShareAtFullSd: unallocated?.sd ?? null,
      allocatedCpuShareAtFull: cpu?.mean ?? null,
      allocatedCpuShareAtFullSd: cpu?.sd ?? null,
    });
    series.push({
      strategy: name,
      hostsInUse,
      utilisation,
      unallocatedGpuShare: carlo?.unallocatedGpuShare.map((level) => level?.mean ?? null) ?? null,
      allocatedCpuShare: carlo?.allocatedCpuShare.map((level) => level.mean) ?? null,
    });
    options.step?.(`${variant}: ${name}`);
  }
  return {
    variant,
    nodes: nodes.length,
    pods: pods.length,
    basis: basisOf(nodes, pods),
    seeds: options.seeds,
    rows,
    series,
  };
}

/** The trace's variants (see VARIANTS), those it has the pods for. */
export function traceVariants(pods: readonly TracePod[]): { name: string; pods: TracePod[] }[] {
  return VARIANTS.flatMap(({ name, cpuOnlyShare }) => {
    const variant = variantOf(pods, cpuOnlyShare);
    return variant ? [{ name, pods: variant }] : [];
  });
}

/** The offline first-fit-decreasing reference: every pod at once, largest first, on hosts largest first (cpu, memory). */
export function firstFitDecreasing(
  nodes: readonly TraceNode[],
  pods: readonly TracePod[],
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
