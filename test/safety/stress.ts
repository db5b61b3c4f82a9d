// `npm run stress`: the full safety run. Every scenario against a DynamoDB Local of its own, the
// hostile-input fuzzer through the router and over HTTP, and the model-based test; then a report.
// Exits 1 when any invariant was violated.
//
//   npm run stress -- [--operations 100000] [--workers 8] [--seed 1] [--fuzz 10000] [--models 200]
//                     [--only plain,faults,duplicates,races,kill,fuzz,model] [--json]
import { parseArgs } from "node:util";
import fc from "fast-check";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { startDynamoDbLocal } from "../../shared/local/dynamodb-local.js";
import { freshTables } from "../support/tables.js";
import { fuzzHttp, fuzzRouter } from "./fuzz.js";
import { compare, steps } from "./model.js";
import { runKillScenario, runScenario, SCENARIOS, type ScenarioReport } from "./scenarios.js";

const { values: args } = parseArgs({
  options: {
    operations: { type: "string", default: "100000" },
    workers: { type: "string", default: "8" },
    seed: { type: "string", default: "1" },
    fuzz: { type: "string", default: "10000" },
    models: { type: "string", default: "200" },
    only: { type: "string", default: "plain,faults,duplicates,races,kill,fuzz,model" },
    json: { type: "boolean", default: false },
  },
});
const operations = Number(args.operations);
const workers = Number(args.workers);
const seed = Number(args.seed);
const only = new Set(args.only.split(","));

/** A one-line progress bar on stderr. */
function progress(label: string, total: number) {
  const started = performance.now();
  return (done: number) => {
    if (done % 50 !== 0 && done !== total) return;
    const width = 30;
    const filled = Math.min(width, Math.round((done / total) * width));
    const rate = done / ((performance.now() - started) / 1000);
    process.stderr.write(
      `\r${label.padEnd(11)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${rate.toFixed(0)}/s `,
    );
    if (done >= total) process.stderr.write("\n");
  };
}

async function models(endpoint: string, runs: number): Promise<{ histories: number; failures: string[] }> {
  const tick = progress("model", runs);
  let histories = 0;
  try {
    await fc.assert(
      fc.asyncProperty(steps, async (history) => {
        const system = new DynamoDbRegistry(dynamoDbClient(endpoint), await freshTables(endpoint));
        const difference = await compare(new MemoryRegistry(), system, history);
        tick(++histories);
        if (difference) throw new Error(difference);
      }),
      { numRuns: runs, seed },
    );
    return { histories, failures: [] };
  } catch (error) {
    return { histories, failures: [(error as Error).message] };
  }
}

const database = await startDynamoDbLocal();
const reports: ScenarioReport[] = [];
const extra: Record<string, unknown> = {};
const started = performance.now();
try {
  const sizes: Record<string, number> = {
    plain: operations,
    faults: operations / 5,
    duplicates: operations / 5,
    races: operations / 5,
  };
  for (const name of ["plain", "faults", "duplicates", "races"]) {
    const shape = SCENARIOS[name];
    if (!only.has(name) || !shape) continue;
    const size = Math.round(sizes[name] ?? operations);
    reports.push(
      await runScenario(
        database.endpoint,
        name,
        { ...shape, operations: size, workers, seed },
        progress(name, size),
      ),
    );
  }
  const kill = SCENARIOS.kill;
  if (only.has("kill") && kill) {
    const size = Math.round(operations / 10);
    process.stderr.write(`kill        ${size} operations in 4 worker processes, one killed with SIGKILL\n`);
    reports.push(await runKillScenario(database.endpoint, { ...kill, operations: size, workers: 4, seed }));
  }
  if (only.has("fuzz")) {
    const runs = Number(args.fuzz);
    process.stderr.write(`fuzz router ${runs} hostile requests\n`);
    extra.fuzzRouter = await fuzzRouter(runs, seed);
    extra.fuzzHttp = await fuzzHttp(runs, seed, progress("fuzz http", runs));
  }
  if (only.has("model")) extra.model = await models(database.endpoint, Number(args.models));
} finally {
  await database.stop();
}

const violations =
  reports.reduce((sum, report) => sum + report.violations.length, 0) +
  Object.values(extra).reduce<number>(
    (sum, part) => sum + ((part as { failures: string[] }).failures?.length ?? 0),
    0,
  );
const summary = {
  seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  operations: reports.reduce((sum, report) => sum + report.figures.operations, 0),
  violations,
  scenarios: reports,
  ...extra,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  const rows = reports.map((report) => {
    const figures = report.figures;
    return {
      scenario: report.scenario,
      operations: figures.operations,
      admitted: figures.admitted,
      unschedulable: figures.unschedulable,
      "503s": figures.contention,
      conflicts: figures.conflicts,
      retries: figures.retries,
      "ops/s": Math.round(figures.operations / figures.seconds),
      injected: Object.entries({
        ...report.injected,
        releasedTwice: figures.releasedTwice,
        resizes: figures.resizes,
        resizesRefused: figures.resizesRefused,
      })
        .filter(([, count]) => count > 0)
        .map(([fault, count]) => `${fault} ${count}`)
        .join(", "),
      violations: report.violations.length,
    };
  });
  if (rows.length > 0) console.table(rows);
  for (const [name, part] of Object.entries(extra)) console.log(name, JSON.stringify(part));
  for (const report of reports)
    for (const violation of report.violations) console.log(`VIOLATION ${report.scenario}: ${violation}`);
  console.log(`${summary.operations} operations in ${summary.seconds} s, ${violations} violations`);
}
process.exit(violations === 0 ? 0 : 1);
