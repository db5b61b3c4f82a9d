// `npm run bench`: decision speed, commit throughput against the arbiter's ceiling, contention, placement
// quality on a real trace, and cold starts, side by side in one run. It reports; it never fails on speed.
// Writes BENCHMARKS.md and docs/*.svg (unless --no-report); --json prints the results as JSON.
//
//   npm run bench -- [--parts engine,commit,contention,trace,scale,calibrate,coldstart,refresh,candidates]
//                    [--seconds 1.5] [--sim-placements 1000000] [--sim-seconds 300]
//                    [--sim-designs product] [--sim-candidate-placements 30000] [--contention-runs 3]
//                    [--refresh-hosts 1000] [--calibration-placements 1000]
//                    [--nodes FILE --pods FILE] [--trace-seeds 10] [--json] [--no-report]
//                    [--engine-before DIR (a worktree of d9c2c12, with npm ci: see bench/engine-ab.ts)]
//
// `scale` runs the product's design (or `--sim-designs all`, or keys such as slim/slice/80) at full
// size; `candidates` (not run by default: it takes a while) runs every candidate design side by side on
// a shorter run and keeps its results in bench/simulation/candidates.json, which the report shows until
// the next such run.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startDynamoDbLocal } from "../shared/local/dynamodb-local.js";
import { benchCommit, benchContention, benchHttp } from "./arbiter.js";
import { lineChart } from "./charts.js";
import { benchColdStart } from "./coldstart.js";
import { benchEngine } from "./engine.js";
import { mergeSections } from "./markdown.js";
import { benchRefresh } from "./refresh.js";
import { CALIBRATION_SIZES, calibrate } from "./simulation/calibration.js";
import { CANDIDATES_FILE, DESIGNS, type Design, designKey } from "./simulation/designs.js";
import { simulate } from "./simulation/run.js";
import { firstFitDecreasing, readTrace, runTrace, STRATEGIES, traceVariants } from "./trace.js";

const DEFAULT_PARTS = "engine,commit,contention,trace,scale,calibrate,coldstart,refresh";
const { values: args } = parseArgs({
  options: {
    parts: { type: "string", default: DEFAULT_PARTS },
    "calibration-placements": { type: "string", default: "1000" },
    "refresh-hosts": { type: "string", default: "1000" },
    "sim-placements": { type: "string", default: "1000000" },
    "sim-seconds": { type: "string", default: "300" },
    "sim-designs": { type: "string", default: "product" },
    "sim-candidate-placements": { type: "string", default: "30000" },
    "contention-runs": { type: "string", default: "3" },
    seconds: { type: "string", default: "1.5" },
    nodes: { type: "string", default: "../shared/traces/alibaba-openb/nodes.csv" },
    pods: { type: "string", default: "../shared/traces/alibaba-openb/pods.csv" },
    "trace-seeds": { type: "string", default: "10" },
    "engine-before": { type: "string" },
    json: { type: "boolean", default: false },
    "no-report": { type: "boolean", default: false },
  },
});
const parts = new Set(args.parts.split(","));
const engineBefore = args["engine-before"] && resolve(args["engine-before"]);
// Checked before any part runs: a wrong path would otherwise end a long run after the engine part.
if (engineBefore && !parts.has("engine"))
  throw new Error("--engine-before compares the engine: add engine to --parts");
if (engineBefore && !existsSync(`${engineBefore}/node_modules/tsx`)) {
  throw new Error(
    `--engine-before ${engineBefore}: not a worktree with npm ci run in it (no node_modules/tsx)`,
  );
}
const seconds = Number(args.seconds);
const wanted = new Set(args["sim-designs"].split(","));
const scaleDesigns = DESIGNS.filter(
  (design) =>
    wanted.has("all") ||
    wanted.has(designKey(design)) ||
    (wanted.has("product") && design.product) ||
    (wanted.has("previous") && design.previous),
);
const trace = parts.has("trace") ? readTrace(args.nodes, args.pods) : undefined;
const variants = trace ? traceVariants(trace.pods) : [];
const steps =
  (parts.has("engine") ? 2 : 0) +
  (parts.has("commit") ? 2 : 0) +
  (parts.has("contention") ? 10 : 0) +
  (trace ? STRATEGIES.length * (1 + variants.length) + 1 : 0) +
  (parts.has("scale") ? scaleDesigns.length : 0) +
  (parts.has("candidates") ? DESIGNS.length : 0) +
  (parts.has("calibrate") ? CALIBRATION_SIZES.length : 0) +
  (parts.has("coldstart") ? 1 : 0) +
  (parts.has("refresh") ? 1 : 0);
let done = 0;

/** A progress bar on stderr, one step per measurement. */
function step(label: string): void {
  done++;
  const width = 30;
  const filled = Math.round((done / steps) * width);
  process.stderr.write(
    `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${steps} ${label.padEnd(40)}`,
  );
  if (done === steps) process.stderr.write("\n");
}

const results: Record<string, unknown> = {
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  date: new Date().toISOString(),
  revision: execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim(),
};

if (parts.has("engine")) {
  results.engine = benchEngine([100, 1523, 10_000], seconds, true);
  step("decision engine, sampled");
  results.engineAllHosts = benchEngine([100, 1523, 10_000], seconds, false);
  step("decision engine, every host scored");
  // With a worktree of the commit before the resource model: the comparison by CPU time, which a noisy
  // machine's wall time cannot settle (bench/engine-ab.ts).
  if (engineBefore) {
    const script = fileURLToPath(new URL("engine-ab.ts", import.meta.url));
    results.engineAb = execFileSync(process.execPath, ["--import", "tsx", script, "--before", engineBefore], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
  }
}

if (parts.has("commit") || parts.has("contention") || parts.has("refresh") || parts.has("calibrate")) {
  const database = await startDynamoDbLocal();
  try {
    if (parts.has("commit")) {
      results.commit = await benchCommit(database.endpoint, 8, seconds * 3);
      step("commit path vs the same writes bare");
      results.http = await benchHttp(8, seconds * 3);
      step("local HTTP path");
    }
    if (parts.has("contention")) {
      const rows = [];
      for (const schedulers of [1, 2, 4, 8, 16]) {
        for (const nearBest of [1, 3]) {
          rows.push(
            await benchContention(database.endpoint, schedulers, nearBest, Number(args["contention-runs"])),
          );
          step(`contention K=${schedulers} ${nearBest > 1 ? "near-best" : "best-only"}`);
        }
      }
      results.contention = rows;
    }
    if (parts.has("refresh")) {
      results.refresh = await benchRefresh(database.endpoint, Number(args["refresh-hosts"]));
      step("refresh fan-out round");
    }
    if (parts.has("calibrate")) {
      const rows = [];
      for (const [hosts, schedulers] of CALIBRATION_SIZES) {
        rows.push(
          await calibrate(database.endpoint, hosts, schedulers, Number(args["calibration-placements"])),
        );
        step(`calibration: ${hosts} hosts, ${schedulers} schedulers`);
      }
      results.calibration = rows;
    }
  } finally {
    await database.stop();
  }
}

if (trace) {
  const { nodes, pods } = trace;
  const seeds = Number(args["trace-seeds"]);
  const { rows, series, ...shape } = runTrace("as read", nodes, pods, { seeds, step });
  results.trace = rows;
  results.traceSeries = series;
  results.traceShape = shape;
  results.traceVariants = variants.map((variant) => {
    const { series: _, ...run } = runTrace(variant.name, nodes, variant.pods, { seeds, step });
    return run;
  });
  results.ffd = firstFitDecreasing(nodes, pods);
  step("trace: first-fit-decreasing reference");
}

/** Each of `designs` on 10,000 hosts, one after another on the same seed. */
async function simulateAll(designs: Design[], placements: number, label: string) {
  const rows = [];
  for (const design of designs) {
    rows.push(await simulate(design, { hosts: 10_000, placements, seconds: Number(args["sim-seconds"]) }));
    step(`${label}: ${designKey(design)}`);
  }
  return rows;
}

if (parts.has("scale")) {
  results.scale = await simulateAll(scaleDesigns, Number(args["sim-placements"]), "scale");
}

if (parts.has("candidates")) {
  const rows = await simulateAll(DESIGNS, Number(args["sim-candidate-placements"]), "candidates");
  results.candidates = { date: results.date, revision: results.revision, rows };
  writeFileSync(CANDIDATES_FILE, `${JSON.stringify(results.candidates, null, 2)}\n`);
}

if (parts.has("coldstart")) {
  results.coldStart = await benchColdStart(5);
  step("cold start");
}

if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
if (!args["no-report"]) {
  const { report, charts } = await import("./report.js");
  // A run of some parts rewrites only their sections of an existing report.
  const partial = DEFAULT_PARTS.split(",").some((part) => !parts.has(part));
  const fresh = report(results);
  const note = `_Regenerated by a run of \`--parts ${args.parts}\` on ${results.date}, at commit ${results.revision}; the other sections are from the run named above._`;
  writeFileSync(
    "BENCHMARKS.md",
    partial && existsSync("BENCHMARKS.md")
      ? mergeSections(readFileSync("BENCHMARKS.md", "utf8"), fresh, note)
      : fresh,
  );
  mkdirSync("docs", { recursive: true });
  for (const [file, svg] of Object.entries(charts(results, lineChart))) writeFileSync(`docs/${file}`, svg);
  process.stderr.write("wrote BENCHMARKS.md and docs/*.svg\n");
}
