// Section 4 of BENCHMARKS.md and its charts: packing on the trace as read and on its variants.
import type { lineChart as LineChart, Series } from "../charts.js";
import { n, table } from "../markdown.js";
import type { TraceRow, TraceRun, TraceSeries } from "../trace.js";
import { LEVELS } from "./monte-carlo.js";

/** What a run's results hold of the trace part. */
export interface TraceResults {
  trace?: TraceRow[];
  traceSeries?: TraceSeries[];
  traceShape?: Omit<TraceRun, "rows" | "series">;
  traceVariants?: Omit<TraceRun, "series">[];
  ffd?: { hosts: number; placedShare: number };
}

const percent = (share: number | null, sd?: number | null) =>
  share === null ? "–" : `${(share * 100).toFixed(1)}%${sd ? ` ±${(sd * 100).toFixed(1)}` : ""}`;

/** The full table of one run. */
function fullTable(rows: readonly TraceRow[]): string {
  return table(
    [
      "strategy",
      "GPUs",
      "placed",
      "peak hosts in use",
      "lower bound",
      "peak / bound",
      "mean hosts in use",
      "capacity-weighted peak",
      "cpu fragmentation",
      "memory fragmentation",
      "max replicas on a host",
      "Monte-Carlo: unallocated GPUs at 100%",
      "Monte-Carlo: cpu allocated at 100%",
    ],
    rows.map((row) => [
      row.strategy,
      row.gpus ? "yes" : "ignored",
      percent(row.placedShare),
      row.peakHostsInUse,
      row.lowerBound,
      (row.peakHostsInUse / Math.max(1, row.lowerBound)).toFixed(2),
      row.meanHostsInUse,
      row.capacityWeightedHostsInUse,
      row.cpuFragmentation,
      row.memoryFragmentation,
      row.maxReplicasOnOneHost,
      percent(row.unallocatedGpuShareAtFull, row.unallocatedGpuShareAtFullSd),
      percent(row.allocatedCpuShareAtFull, row.allocatedCpuShareAtFullSd),
    ]),
  );
}

/** A variant's short table. */
function variantTable(run: Omit<TraceRun, "series">): string {
  return table(
    [
      "strategy",
      "placed",
      "peak hosts in use",
      "lower bound",
      "unallocated GPUs at 100%",
      "cpu allocated at 100%",
    ],
    run.rows.map((row) => [
      row.strategy,
      percent(row.placedShare),
      row.peakHostsInUse,
      row.lowerBound,
      percent(row.unallocatedGpuShareAtFull, row.unallocatedGpuShareAtFullSd),
      percent(row.allocatedCpuShareAtFull, row.allocatedCpuShareAtFullSd),
    ]),
  );
}

/** Section 4's lines. */
export function traceSection(results: TraceResults): string[] {
  const shape = results.traceShape;
  const rows = results.trace ?? [];
  const basis = (run?: { basis: string }) => (run?.basis === "gpu" ? "GPUs" : "cpus");
  return [
    "",
    `## 4. Packing on a real trace (${n(shape?.nodes ?? 0)} hosts, ${n(shape?.pods ?? 0)} pods)`,
    "",
    "Alibaba's openb trace (Weng et al., ATC '23): hosts with cpu, memory and GPU devices, pods asking for",
    "cpu, memory and GPUs (a share of one device, or whole devices). The product's strategies (`batch`,",
    "`service`, `gpu`) decide through the product's own filter → score → select, sampling included, and",
    "take the devices the product gives (gpus.ts); only `first-fit (cpu, memory)` ignores the GPU columns. The",
    "baselines score every host on cpu, memory and per-device GPU shares, as the FGD authors' simulator",
    "does (integer scores 0-100 where it has them, ties to the first host in the trace's order).",
    "",
    "**Time replay**: arrivals and departures in time order. Lower bound: the fewest hosts (largest first)",
    "that hold the demand alive at once, of each resource the strategy sees. Capacity-weighted peak: the",
    "peak cpu capacity of the hosts in use, in hosts of the largest size. Fragmentation: the share of free",
    "capacity stranded on hosts that cannot take the median request, averaged over the run.",
    `**Monte-Carlo** (the paper's workload): pods drawn from the trace arrive and never leave until they ask`,
    `for all of the cluster's ${basis(shape)}; means over ${shape?.seeds ?? 0} seeds, ± one standard deviation.`,
    `First-fit-decreasing, every pod at once: ${n(results.ffd?.hosts ?? 0)} hosts, ${percent(results.ffd?.placedShare ?? 0)} placed.`,
    "",
    fullTable(rows),
    "",
    "![hosts in use over the trace](docs/trace-hosts.svg)",
    "![utilisation over the trace](docs/trace-utilisation.svg)",
    "![unallocated GPUs against arrivals](docs/trace-unallocated-gpus.svg)",
    "![cpu allocated against arrivals](docs/trace-allocated-cpu.svg)",
    ...(results.traceVariants ?? []).flatMap((run) => [
      "",
      `**Variant: ${run.variant}** (each pod keeps its times, its shape drawn again; Monte-Carlo to 100% of the ${basis(run)}):`,
      "",
      variantTable(run),
    ]),
  ];
}

/** The trace's charts, by file name. */
export function traceCharts(results: TraceResults, lineChart: typeof LineChart): Record<string, string> {
  const series = results.traceSeries ?? [];
  if (series.length === 0) return {};
  const levels = LEVELS.map((level) => level * 100);
  const over = (values: number[]): [number, number][] => values.map((value, index) => [index, value]);
  const gpuAware = series.filter((one) => one.unallocatedGpuShare?.every((value) => value !== null));
  return {
    "trace-hosts.svg": lineChart(
      "Hosts in use over the trace",
      "trace progress (samples)",
      "hosts",
      series.map((one) => ({ name: one.strategy, points: over(one.hostsInUse) })),
    ),
    "trace-utilisation.svg": lineChart(
      "Cluster cpu reserved over the trace (every strategy places every pod)",
      "trace progress (samples)",
      "% of cluster cpu",
      series.slice(0, 1).map((one) => ({
        name: "every strategy",
        points: over(one.utilisation.map((value) => value * 100)),
      })),
    ),
    "trace-unallocated-gpus.svg": lineChart(
      "Monte-Carlo: GPUs left unallocated",
      `arrived workload (% of the cluster's ${results.traceShape?.basis === "gpu" ? "GPUs" : "cpus"})`,
      "% of GPUs unallocated",
      gpuAware.map(
        (one): Series => ({
          name: one.strategy,
          points: levels.map((level, at) => [level, (one.unallocatedGpuShare?.[at] ?? 0) * 100]),
        }),
      ),
    ),
    "trace-allocated-cpu.svg": lineChart(
      "Monte-Carlo: cpu allocated",
      `arrived workload (% of the cluster's ${results.traceShape?.basis === "gpu" ? "GPUs" : "cpus"})`,
      "% of cluster cpu allocated",
      series.flatMap(({ strategy, allocatedCpuShare }) =>
        allocatedCpuShare
          ? [
              {
                name: strategy,
                points: levels.map((level, at): [number, number] => [
                  level,
                  (allocatedCpuShare[at] ?? 0) * 100,
                ]),
              },
            ]
          : [],
      ),
    ),
  };
}
