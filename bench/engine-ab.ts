import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { RunResult, WorkerCommand } from "./engine-ab-worker.js";

/**
 * The engine's decisions/s against another commit's, in a way a shared 2-core machine can be trusted
 * with: wall time (what `npm run bench` reports) there swings 0.4-1.9 between single rounds, as the
 * other core's load and the hypervisor come and go. Here each tree decides in a process of its own
 * (bench/engine-ab-worker.ts, loading that tree's code and its own synthetic cluster, checked to be the
 * same), and the parent has the two decide the same stream of requests in many short paired rounds,
 * alternating which goes first (ABBA), timed by the process's CPU time (process.cpuUsage): time the
 * process was not running does not count. Each round gives one ratio, before's CPU time over after's
 * (after's decisions/s over before's: above 1, after is faster). The rounds are spread over several
 * pairs of processes (`--processes`), one pair after the other: each process compiles its own code, and
 * V8 does not inline alike every time (one change measured +13% in one pair, 0% in another). The median
 * of all rounds and its spread are reported per type, host count and sampling, with each pair's median,
 * each order's, and wall time's beside them. A tree against itself (`--after` the same as `--before`),
 * with two other benchmarks busy on the machine, gave medians of 0.98-1.01 (quartiles within
 * 0.94-1.04) over 36 rounds in 3 pairs, where single rounds ranged 0.63-1.68: read the medians.
 * (Hardware counters, `perf stat -e cycles:u`, are not available in this KVM guest.)
 *
 * Usage, from this tree:
 *   git worktree add /work/wt-before d9c2c12 && (cd /work/wt-before && npm ci)
 *   npx tsx bench/engine-ab.ts --before /work/wt-before [--after .] [--processes 3] [--rounds 20]
 *     [--ms 40] [--warmup 4]
 *     [--hosts 1523,10000] [--types service,batch] [--modes sampled,every]
 * Run it with nothing else of yours running: its two processes take turns on one core.
 */

const { values } = parseArgs({
  options: {
    before: { type: "string" },
    after: { type: "string", default: resolve(fileURLToPath(new URL("..", import.meta.url))) },
    rounds: { type: "string", default: "20" },
    processes: { type: "string", default: "3" },
    warmup: { type: "string", default: "4" },
    ms: { type: "string", default: "40" },
    hosts: { type: "string", default: "1523,10000" },
    types: { type: "string", default: "service,batch" },
    modes: { type: "string", default: "sampled,every" },
  },
});
if (!values.before) throw new Error("usage: tsx bench/engine-ab.ts --before <worktree of the older commit>");
for (const tree of [values.before, values.after]) {
  if (!existsSync(resolve(tree, "node_modules/tsx"))) {
    throw new Error(`${resolve(tree)}: not a worktree with npm ci run in it (no node_modules/tsx)`);
  }
}

/** A flag's positive whole numbers, or an error naming the flag. */
function counts(flag: string, text: string): number[] {
  const numbers = text.split(",").map(Number);
  if (numbers.some((number) => !Number.isInteger(number) || number < 1)) {
    throw new Error(`--${flag} ${text}: give positive whole numbers`);
  }
  return numbers;
}

/** A flag's names, each one of `known`, or an error naming the flag. */
function names(flag: string, text: string, known: readonly string[]): string[] {
  const given = text.split(",");
  const unknown = given.filter((name) => !known.includes(name));
  if (unknown.length) throw new Error(`--${flag} ${unknown.join(",")}: give some of ${known.join(", ")}`);
  return given;
}

const [rounds = 0] = counts("rounds", values.rounds);
const [sessions = 0] = counts("processes", values.processes);
const [warmup = 0] = counts("warmup", values.warmup);
const [ms = 0] = counts("ms", values.ms);
const hostCounts = counts("hosts", values.hosts);
const modes = names("modes", values.modes, ["sampled", "every"]);
// Each worker checks the types against its tree's (a type the older tree lacks is named there).
const types = values.types.split(",");

interface Config {
  type: string;
  hosts: number;
  sampled: boolean;
  decisions: number;
}

/** A tree's worker: it answers each command with one message, in order. */
class Side {
  private readonly child: ChildProcess;
  private readonly waiting: ((answer: unknown) => void)[] = [];
  readonly ready: Promise<unknown>;

  constructor(readonly tree: string) {
    this.child = fork(fileURLToPath(new URL("engine-ab-worker.ts", import.meta.url)), [tree], {
      cwd: tree,
      execArgv: ["--import", "tsx"],
    });
    this.child.on("message", (answer) => this.waiting.shift()?.(answer));
    // A worker that cannot start, or ends (an error, a signal) with questions pending, ends the comparison.
    this.child.on("error", (error) => {
      throw new Error(`the worker of ${tree} failed: ${error.message}`);
    });
    this.child.on("exit", (code, signal) => {
      if (code || (signal && this.waiting.length)) {
        throw new Error(`the worker of ${tree} exited with ${code ?? signal}`);
      }
    });
    this.ready = new Promise((resolve) => this.waiting.push(resolve));
  }

  ask<T>(command: WorkerCommand): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push(resolve as (answer: unknown) => void);
      this.child.send(command);
    });
  }

  run(config: Config, seed: number): Promise<RunResult> {
    const { type, hosts, sampled, decisions } = config;
    return this.ask({ kind: "run", type, hosts, sampled, seed, decisions });
  }

  stop(): void {
    this.child.disconnect();
  }
}

/** The value at `share` of the sorted values (nearest rank). */
function quantile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * share))] ?? Number.NaN;
}

const configs: Config[] = hostCounts.flatMap((hosts) =>
  modes.flatMap((mode) => types.map((type) => ({ type, hosts, sampled: mode === "sampled", decisions: 20 }))),
);

/** One paired run of `config` on the same requests, in the given order: before's and after's results. */
async function paired(
  [before, after]: [Side, Side],
  config: Config,
  seed: number,
  beforeFirst: boolean,
): Promise<[RunResult, RunResult]> {
  const results = new Map<Side, RunResult>();
  for (const side of beforeFirst ? [before, after] : [after, before])
    results.set(side, await side.run(config, seed));
  const old = results.get(before) as RunResult;
  const now = results.get(after) as RunResult;
  if (old.feasible !== now.feasible) {
    throw new Error(`${config.type} at ${config.hosts} hosts found other feasible hosts in each tree`);
  }
  return [old, now];
}

interface Pair {
  /** Which pair of processes measured it. */
  session: number;
  beforeFirst: boolean;
  cpu: number;
  wall: number;
  beforeMicros: number;
  afterMicros: number;
}
const pairs = new Map<Config, Pair[]>(configs.map((config) => [config, []]));
const targetMicros = ms * 1000;
// Each pair of processes compiles its own code, and V8 does not always inline alike: one pair's
// rounds share its compilation, so the rounds are spread over several pairs, one after the other.
for (let session = 0; session < sessions; session++) {
  const sides: [Side, Side] = [new Side(resolve(values.before)), new Side(resolve(values.after))];
  await Promise.all(sides.map((side) => side.ready));
  for (const hosts of hostCounts) {
    const [a, b] = await Promise.all(sides.map((side) => side.ask<number>({ kind: "fingerprint", hosts })));
    if (a !== b) throw new Error(`the synthetic clusters of ${hosts} hosts differ between the trees`);
  }
  // Warm both sides' code on every config; the first pair sizes each config's round (about `ms` of
  // before's CPU time), the same for the pairs after it.
  for (let round = 0; round < warmup; round++) {
    for (const config of configs) {
      const [old] = await paired(sides, config, 0, round % 2 === 0);
      if (session > 0) continue;
      config.decisions = Math.max(
        10,
        Math.round((config.decisions * targetMicros) / Math.max(1, old.cpuMicros)),
      );
    }
  }
  for (let round = 0; round < rounds; round++) {
    // Configs interleaved within a round, so that a slow spell of the machine falls on every config alike.
    for (const [index, config] of configs.entries()) {
      // ABBA: the older tree first in even rounds, second in odd ones; each round its own requests.
      const beforeFirst = round % 2 === 0;
      const [old, now] = await paired(sides, config, 1 + round * configs.length + index, beforeFirst);
      pairs.get(config)?.push({
        session,
        beforeFirst,
        cpu: old.cpuMicros / now.cpuMicros,
        wall: old.wallMs / now.wallMs,
        beforeMicros: old.cpuMicros / config.decisions,
        afterMicros: now.cpuMicros / config.decisions,
      });
    }
  }
  for (const side of sides) side.stop();
}

const fixed = (value: number) => value.toFixed(2);
const median = (values: number[]) =>
  quantile(
    [...values].sort((x, y) => x - y),
    0.5,
  );
/** A measure's median and spread over the rounds: `median (p25-p75, min-max)`. */
function spread(values: number[]): string {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (share: number) => fixed(quantile(sorted, share));
  return `${at(0.5)} (${at(0.25)}-${at(0.75)}, ${at(0)}-${at(1)})`;
}
console.log(
  `Ratio: after's decisions/s over before's by CPU time: median (p25-p75, min-max) of ${rounds * sessions} paired rounds (ABBA), ${rounds} in each of ${sessions} pairs of processes.`,
);
console.log(`before: ${resolve(values.before)}\nafter: ${resolve(values.after)}\n`);
console.log(
  "| type | hosts | scored | decisions a round | µs CPU a decision, before | after | ratio by CPU time | each pair of processes | before first / after first | by wall time |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const [config, measured] of pairs) {
  const ratios = (keep: (pair: Pair) => boolean) =>
    fixed(median(measured.filter(keep).map((pair) => pair.cpu)));
  console.log(
    `| ${config.type} | ${config.hosts.toLocaleString("en-US")} | ${config.sampled ? "sampled" : "every host"} | ${config.decisions} | ` +
      `${median(measured.map((pair) => pair.beforeMicros)).toFixed(1)} | ${median(measured.map((pair) => pair.afterMicros)).toFixed(1)} | ` +
      `**${spread(measured.map((pair) => pair.cpu))}** | ` +
      // Pairs of processes apart: their compilations differ. Orders apart: an order effect.
      `${Array.from({ length: sessions }, (_, session) => ratios((pair) => pair.session === session)).join(", ")} | ` +
      `${ratios((pair) => pair.beforeFirst)} / ${ratios((pair) => !pair.beforeFirst)} | ` +
      `${spread(measured.map((pair) => pair.wall))} |`,
  );
}
