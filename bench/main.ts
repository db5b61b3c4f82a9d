// `npm run bench`: decision speed, commit throughput against the arbiter's ceiling, contention, placement
// quality on a real trace, and cold starts, side by side in one run. It reports; it never fails on speed.
// Writes BENCHMARKS.md and docs/*.svg (unless --no-report); --json prints the results as JSON.
//
//   npm run bench -- [--parts engine,commit,contention,trace,scale,coldstart,refresh] [--seconds 1.5]
//                    [--sim-placements 1000000] [--sim-seconds 300] [--contention-runs 3]
//                    [--refresh-hosts 1000] [--nodes FILE --pods FILE] [--json] [--no-report]
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { startDynamoDbLocal } from "../shared/local/dynamodb-local.js";
import { benchCommit, benchContention, benchHttp } from "./arbiter.js";
import { lineChart } from "./charts.js";
import { benchColdStart } from "./coldstart.js";
import { benchEngine } from "./engine.js";
import { benchRefresh } from "./refresh.js";
import { DESIGNS, simulate } from "./simulation.js";
import { firstFitDecreasing, readTrace, replay, STRATEGIES } from "./trace.js";

const { values: args } = parseArgs({
  options: {
    parts: { type: "string", default: "engine,commit,contention,trace,scale,coldstart,refresh" },
    "refresh-hosts": { type: "string", default: "1000" },
    "sim-placements": { type: "string", default: "1000000" },
    "sim-seconds": { type: "string", default: "300" },
    "contention-runs": { type: "string", default: "3" },
    seconds: { type: "string", default: "1.5" },
    nodes: { type: "string", default: "../shared/traces/alibaba-openb/nodes.csv" },
    pods: { type: "string", default: "../shared/traces/alibaba-openb/pods.csv" },
    json: { type: "boolean", default: false },
    "no-report": { type: "boolean", default: false },
  },
});
const parts = new Set(args.parts.split(","));
const seconds = Number(args.seconds);
const steps =
  (parts.has("engine") ? 2 : 0) +
  (parts.has("commit") ? 2 : 0) +
  (parts.has("contention") ? 10 : 0) +
  (parts.has("trace") ? STRATEGIES.length + 1 : 0) +
  (parts.has("scale") ? DESIGNS.length : 0) +
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
}

if (parts.has("commit") || parts.has("contention") || parts.has("refresh")) {
  const database = await startDynamoDbLocal();
  try {
    if (parts.has("commit")) {
      results.commit = await benchCommit(database.endpoint, 8, seconds * 3);
      step("commit path vs bare UpdateItem");
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
  } finally {
    await database.stop();
  }
}

if (parts.has("trace")) {
  const { nodes, pods } = readTrace(args.nodes, args.pods);
  results.trace = STRATEGIES.map((strategy) => {
    const result = replay(nodes, pods, strategy);
    step(`trace: ${strategy.name}`);
    return result;
  });
  results.ffd = firstFitDecreasing(nodes, pods);
  step("trace: first-fit-decreasing reference");
  results.traceShape = { nodes: nodes.length, pods: pods.length };
}

if (parts.has("scale")) {
  const scale = [];
  for (const design of DESIGNS) {
    scale.push(
      await simulate(design, {
        hosts: 10_000,
        schedulers: 16,
        placements: Number(args["sim-placements"]),
        seconds: Number(args["sim-seconds"]),
      }),
    );
    step(`scale: ${design.name.split(" (")[0]}`);
  }
  results.scale = scale;
}

if (parts.has("coldstart")) {
  results.coldStart = await benchColdStart(5);
  step("cold start");
}

if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
if (!args["no-report"]) {
  const { report, charts } = await import("./report.js");
  writeFileSync("BENCHMARKS.md", report(results));
  mkdirSync("docs", { recursive: true });
  for (const [file, svg] of Object.entries(charts(results, lineChart))) writeFileSync(`docs/${file}`, svg);
  process.stderr.write("wrote BENCHMARKS.md and docs/*.svg\n");
}
