import { existsSync, readFileSync } from "node:fs";
import { SCAN_SEGMENTS } from "../../shared/adapters/dynamodb/registry.js";
import { n, table } from "../markdown.js";
import type { CalibrationRow } from "./calibration.js";
import { CANDIDATES_FILE } from "./designs.js";
import { AWS_MODEL } from "./model.js";
import type { SimulationResult } from "./run.js";

/** A `--parts candidates` run: every candidate design on the same seed, at a shorter length. */
export interface CandidatesRun {
  date?: string;
  revision?: string;
  rows: SimulationResult[];
}

/** The goals of the issue "Scale and cost", at 10,000 hosts. */
export const GOALS = {
  placementsPerSecond: 5000,
  conflictRate: 0.05,
  contentionShare: 0.001,
  dollarsPerMillion: 5,
  /** Half of DynamoDB's 1,000 write units a second on one item. */
  hottestItemWriteUnits: AWS_MODEL.itemWritesPerSecond / 2,
};

/** Which goals a run misses (none: it meets them all). "Sustained" is the slowest fifth of the run. */
export function missedGoals(row: SimulationResult): string[] {
  const slowest = Math.min(...row.timeline.map((part) => part.placementsPerSecond));
  const missed: [boolean, string][] = [
    [slowest < GOALS.placementsPerSecond, `< ${n(GOALS.placementsPerSecond)}/s`],
    [row.conflictRate > GOALS.conflictRate, `conflicts > ${GOALS.conflictRate}`],
    [row.unschedulable409 > 0, "false 409"],
    [row.contention503 > GOALS.contentionShare * row.requests, "503 ≥ 0.1%"],
    [row.dollarsPerMillion > GOALS.dollarsPerMillion, `> $${GOALS.dollarsPerMillion}/M`],
    [row.hottestItemWriteUnitsPerSecond >= GOALS.hottestItemWriteUnits, "hot item"],
    [row.hottestIndexPartitionWriteUnitsPerSecond >= GOALS.hottestItemWriteUnits, "hot index partition"],
    [
      Math.max(row.peakWriteUnitsPerSecond, row.peakReadUnitsPerSecond) > AWS_MODEL.tableUnitsPerSecondQuota,
      "over the table quota",
    ],
  ];
  return missed.filter(([miss]) => miss).map(([, goal]) => goal);
}

const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
const slowestFifth = (row: SimulationResult) =>
  Math.min(...row.timeline.map((part) => part.placementsPerSecond));
const label = (row: SimulationResult) =>
  `${row.design}${row.product ? " (Citadel)" : ""}${row.previous ? " (Citadel before placement records)" : ""}`;
const goals = (row: SimulationResult) => missedGoals(row).join(", ") || "all met";

/** The candidates' last run: this run's, or the one kept in `CANDIDATES_FILE`. */
function candidatesRun(candidates: CandidatesRun | undefined): CandidatesRun | undefined {
  if (candidates) return candidates;
  return existsSync(CANDIDATES_FILE)
    ? (JSON.parse(readFileSync(CANDIDATES_FILE, "utf8")) as CandidatesRun)
    : undefined;
}

/** Section 5 of BENCHMARKS.md: the designs run at full size, their timelines and costs, and the candidates. */
export function scaleSection(scale: SimulationResult[], candidates?: CandidatesRun): string[] {
  const [first] = scale;
  const { bytes } = AWS_MODEL;
  const lines = [
    "",
    `## 5. Scale by simulation (${n(first?.hosts ?? 0)} hosts, virtual time)`,
    "",
    "Each scheduler is the product's own `place` with its own snapshot, run as concurrent tasks in virtual",
    "time; the arbiter is simulated: it takes reads and writes in time order, checks every commit against",
    `the true state, and gives each item (and each partition key of an index) at most ${n(AWS_MODEL.itemWritesPerSecond)} write units/s.`,
    `Hosts of 64 CPUs and 256 GiB are kept ${AWS_MODEL.occupancy * 100}% reserved (about ${n(first?.livePlacements ?? 0)} live placements: the oldest is`,
    "released as a new one lands), batch (binpack) requests of 0.25-2 CPUs. A design is a way to store",
    "placements, a way for snapshots to read the hosts, and a number of schedulers (warm Lambdas):",
    "",
    `- storage: placements in the host item (Citadel before placement records: ${bytes.fatHost} bytes + ${bytes.fatPlacement} per placement);`,
    "  placements as items of their own, committed and released in transactions (twice the units); or Citadel's",
    `  host item (${bytes.slimHost} bytes + ${bytes.slimEntry} per live placement's entry, measured on the product's items: item-size.ts)`,
    `  with each placement's record (${bytes.record} bytes) in a table of its own, put before the host's one conditional write`,
    "  and deleted after the release's.",
    `- snapshot: a consistent Scan of every host item (${SCAN_SEGMENTS} parallel segments, 1 MB pages of ${AWS_MODEL.scanPageMs} ms); a Scan of a`,
    `  slim GSI (${bytes.projected} bytes a host, eventually consistent: half the read units, ${AWS_MODEL.gsiLagMs} ms behind, and a write unit per`,
    "  host write); a Query of the hosts changed since the last read (a GSI keyed by shard and update time: an",
    "  update moves its entry, two write units); or one random Scan segment of about 40 hosts at each read (the",
    "  product's HostSnapshot: each scheduler decides over its own slice; a request that finds no host there is",
    "  decided again on every host, so that a 409 is never answered on a slice).",
    "",
    `${AWS_MODEL.maxAttempts} attempts. CPU time is the process's, measured here and scaled by ${AWS_MODEL.lambdaCpuFactor.toFixed(2)} (a 512 MB Lambda's share of a`,
    "vCPU), not counting the SDK's decoding of pages. Each design runs until its placements are made or its",
    "virtual time is up. The cluster starts at its occupancy with placements on random hosts; binpack then",
    `packs it, and the rates drift as it does (the timeline below the table). Goals: ≥ ${n(GOALS.placementsPerSecond)} placements/s in`,
    `every fifth of the run, conflict rate ≤ ${GOALS.conflictRate}, no false 409, 503s under 0.1% of requests, ≤ $${GOALS.dollarsPerMillion} per million`,
    `placements, the hottest item under ${GOALS.hottestItemWriteUnits} write units/s, the busiest second within DynamoDB's default quota`,
    `of ${n(AWS_MODEL.tableUnitsPerSecondQuota)} read and ${n(AWS_MODEL.tableUnitsPerSecondQuota)} write units/s per table (a table and its indexes together). Peak write units are the`,
    "busiest table's (hosts or placements); peak read units are every table's together, an upper bound.",
    "",
    table(
      [
        "design",
        "placements",
        "virtual s",
        "projected placements/s",
        "slowest fifth /s",
        "conflict rate",
        "503",
        "409",
        "hottest item write units/s",
        "peak write units/s",
        "peak read units/s",
        "snapshot reloads",
        "time scanning",
        "time deciding",
        "wall s",
        "goals missed",
      ],
      scale.map((row) => [
        label(row),
        n(row.placements),
        row.virtualSeconds,
        n(row.projectedPlacementsPerSecond),
        n(slowestFifth(row)),
        row.conflictRate,
        row.contention503,
        row.unschedulable409,
        row.hottestItemWriteUnitsPerSecond,
        n(row.peakWriteUnitsPerSecond),
        n(row.peakReadUnitsPerSecond),
        n(row.snapshotReloads),
        percent(row.scanningShare),
        percent(row.decidingShare),
        row.wallSeconds,
        goals(row),
      ]),
    ),
    "",
    "Over the run (from second: placements/s, conflict rate):",
    "",
    ...scale.map(
      (row) =>
        `- ${row.key}: ${row.timeline.map((part) => `${part.fromSecond} s: ${n(part.placementsPerSecond)}/s, ${part.conflictRate}`).join("; ")}`,
    ),
    ...chosen(scale),
    "",
    "Per million placements (on demand, us-east-1: placing and releasing, writes (tables and indexes), reads,",
    "Lambda requests and 512 MB arm64 time for the router and the scheduler; API Gateway and logs not counted):",
    "",
    costTable(scale),
  ];
  const run = candidatesRun(candidates);
  if (!run) return lines;
  return [
    ...lines,
    "",
    `### Candidates, side by side (run of ${run.date}, commit ${run.revision})`,
    "",
    "Every candidate on the same seed and cluster, shorter than the runs above (`npm run bench -- --parts",
    "candidates` redoes it). The full Scans decide over 10,000 hosts at each request, which is slow here too,",
    "hence the shorter run; a short run also flatters the designs whose rates drift down as binpack packs.",
    "",
    table(
      [
        "design",
        "placements",
        "projected placements/s",
        "slowest fifth /s",
        "conflict rate",
        "503",
        "hottest item write units/s",
        "peak write units/s",
        "peak read units/s",
        "write units per million",
        "read units per million",
        "dollars per million",
        "goals missed",
        "wall s",
      ],
      run.rows.map((row) => [
        label(row),
        n(row.placements),
        n(row.projectedPlacementsPerSecond),
        n(slowestFifth(row)),
        row.conflictRate,
        row.contention503,
        row.hottestItemWriteUnitsPerSecond,
        n(row.peakWriteUnitsPerSecond),
        n(row.peakReadUnitsPerSecond),
        n(row.writeUnitsPerMillion),
        n(row.readUnitsPerMillion),
        `$${row.dollarsPerMillion}`,
        goals(row),
        row.wallSeconds,
      ]),
    ),
  ];
}

/** Why the product's design is the one chosen, when a run holds it. */
function chosen(scale: SimulationResult[]): string[] {
  const row = scale.find((candidate) => candidate.product);
  if (!row) return [];
  return [
    "",
    `The product's design (\`"product": true\` in \`--json\`): ${row.key}, ${goals(row) === "all met" ? "which meets every goal above" : `which misses: ${goals(row)}`}.`,
    "Chosen from the candidates below: host items keep counters, status, labels and a short entry per live",
    "placement (so that a commit stays one conditional write and a replayed commit or release stays harmless);",
    "each placement's request echo, owner and scheduler are in a record written before the commit. Each",
    "scheduler reads one random Scan segment of the hosts at a time, and decides on every host before it",
    "answers 409.",
  ];
}

function costTable(rows: SimulationResult[]): string {
  return table(
    ["design", "write units", "read units", "Lambda invocations", "dollars"],
    rows.map((row) => [
      label(row),
      n(row.writeUnitsPerMillion),
      n(row.readUnitsPerMillion),
      n(row.invocationsPerMillion),
      `$${row.dollarsPerMillion}`,
    ]),
  );
}

/** The simulation beside the product on DynamoDB Local (calibration.ts), at the sizes calibrated. */
export function calibrationSection(rows: CalibrationRow[]): string[] {
  return [
    "",
    "### The simulation against the product on DynamoDB Local",
    "",
    "The same cluster and workload (hosts of 64 CPUs kept 60% reserved, batch requests, the oldest placement",
    "released as each lands) run by the product's own schedulers over the real DynamoDB registry on DynamoDB",
    "Local, and by the simulation. Units are DynamoDB Local's own count (ReturnConsumedCapacity) of the product's",
    "real items; the simulation's come from its model. The rates differ by the latencies: DynamoDB Local on this",
    "machine answers in tens of ms where the model assumes AWS's few; the last columns run the simulation again",
    "with DynamoDB Local's measured latencies and this machine's CPU (no Lambda scaling). Reloads are compared",
    "with that run: a snapshot is read again when 0.5 s old, so reloads follow the clock, and in a short run",
    "each scheduler's first, cold read of every host weighs on a reload's average as much as there are few",
    "reloads after it (at AWS's latencies five to ten times fewer, hence two to four times the units a reload).",
    "",
    table(
      [
        "hosts",
        "schedulers",
        "placements",
        "conflict rate real / sim",
        "write units a placement real / sim",
        "read units a reload real / sim at real latency",
        "reloads a placement real / sim at real latency",
        "commit ms real / model",
        "slice read ms real / model",
        "placements/s real / sim at real latency",
        "503s real",
        "conflict rate sim at real latency",
        "sim placements/s at AWS latency",
      ],
      rows.map((row) => [
        n(row.hosts),
        row.schedulers,
        n(row.placements),
        `${row.real.conflictRate} / ${row.simulated.conflictRate}`,
        `${row.real.writeUnitsPerPlacement} / ${row.simulated.writeUnitsPerPlacement}`,
        `${row.real.readUnitsPerReload} / ${row.simulatedAtLocalLatency.readUnitsPerReload}`,
        `${row.real.reloadsPerPlacement} / ${row.simulatedAtLocalLatency.reloadsPerPlacement}`,
        `${row.real.commitMs} / ${row.simulated.commitMs}`,
        `${row.real.sliceReadMs} / ${row.simulated.readRoundTripMs}`,
        `${n(row.real.placementsPerSecond)} / ${n(row.simulatedAtLocalLatency.placementsPerSecond)}`,
        row.real.unavailable ?? 0,
        row.simulatedAtLocalLatency.conflictRate,
        n(row.simulated.projectedPlacementsPerSecond),
      ]),
    ),
  ];
}
