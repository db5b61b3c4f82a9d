import { type ChildProcess, fork } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { RunResult, WorkerCommand } from "./engine-ab-worker.js";

/**
 * The engine's decisions/s against another commit's, in a way a shared 2-core machine can be trusted
 * with: wall time (what `npm run bench` reports) there swings 0.65-1.6 between single rounds, as the
 * other core's load and the hypervisor come and go. Here each tree decides in a process of its own
 * (bench/engine-ab-worker.ts, loading that tree's code and its own synthetic cluster, checked to be the
 * same), both processes stay up, and the parent has them decide the same stream of requests in many
 * short paired rounds, alternating which goes first (ABBA), timed by the process's CPU time
 * (process.cpuUsage): time the process was not running does not count. Each round gives one ratio,
 * before's CPU time over after's (after's decisions/s over before's: above 1, after is faster); the
 * median of the rounds and its spread are reported per type, host count and sampling, and wall time's
 * beside it for comparison. A tree against itself (`--after` the same as `--before`), with two other
 * benchmarks busy on the machine, gave medians of 0.98-1.02 (quartiles within 0.90-1.08) over 30 rounds,
 * where single rounds ranged 0.55-1.56: read the medians. (Hardware counters, `perf stat -e cycles:u`,
 * are not available in this KVM guest.)
 *
 * Usage, from this tree:
 *   git worktree add /work/wt-before d9c2c12 && (cd /work/wt-before && npm ci)
 *   npx tsx bench/engine-ab.ts --before /work/wt-before [--after .] [--rounds 40] [--ms 40] [--warmup 4]
 *     [--hosts 1523,10000] [--types service,batch] [--modes sampled,every]
 * Run it with nothing else of yours running: its two processes take turns on one core.
 */

const { values } = parseArgs({
  options: {
    before: { type: "string" },
    after: { type: "string", default: resolve(fileURLToPath(new URL("..", import.meta.url))) },
    rounds: { type: "string", default: "40" },
    warmup: { type: "string", default: "4" },
    ms: { type: "string", default: "40" },
    hosts: { type: "string", default: "1523,10000" },
    types: { type: "string", default: "service,batch" },
    modes: { type: "string", default: "sampled,every" },
  },
});
if (!values.before) throw new Error("usage: tsx bench/engine-ab.ts --before <worktree of the older commit>");

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
    this.child.on("exit", (code) => {
      if (code) throw new Error(`the worker of ${tree} exited with ${code}`);
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

const before = new Side(resolve(values.before));
const after = new Side(resolve(values.after));
await Promise.all([before.ready, after.ready]);

const hostCounts = values.hosts.split(",").map(Number);
for (const hosts of hostCounts) {
  const [a, b] = await Promise.all(
    [before, after].map((side) => side.ask<number>({ kind: "fingerprint", hosts })),
  );
  if (a !== b) throw new Error(`the synthetic clusters of ${hosts} hosts differ between the trees`);
}

const configs: Config[] = hostCounts.flatMap((hosts) =>
  values.modes
    .split(",")
    .flatMap((mode) =>
      values.types.split(",").map((type) => ({ type, hosts, sampled: mode === "sampled", decisions: 20 })),
    ),
);

/** One paired run of `config` on the same requests, in the given order: before's and after's results. */
async function paired(config: Config, seed: number, beforeFirst: boolean): Promise<[RunResult, RunResult]> {
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

// Warm both sides' code on every config, then size each config's round: about `ms` of before's CPU time.
const targetMicros = Number(values.ms) * 1000;
for (let round = 0; round < Number(values.warmup); round++) {
  for (const config of configs) {
    const [old] = await paired(config, 0, round % 2 === 0);
    config.decisions = Math.max(
      10,
      Math.round((config.decisions * targetMicros) / Math.max(1, old.cpuMicros)),
    );
  }
}

interface Pair {
  cpu: number;
  wall: number;
  beforeMicros: number;
  afterMicros: number;
}
const pairs = new Map<Config, Pair[]>(configs.map((config) => [config, []]));
const rounds = Number(values.rounds);
for (let round = 0; round < rounds; round++) {
  // Configs interleaved within a round, so that a slow spell of the machine falls on every config alike.
  for (const [index, config] of configs.entries()) {
    // ABBA: the older tree first in even rounds, second in odd ones; each round its own requests.
    const [old, now] = await paired(config, 1 + round * configs.length + index, round % 2 === 0);
    pairs.get(config)?.push({
      cpu: old.cpuMicros / now.cpuMicros,
      wall: old.wallMs / now.wallMs,
      beforeMicros: old.cpuMicros / config.decisions,
      afterMicros: now.cpuMicros / config.decisions,
    });
  }
}
before.stop();
after.stop();

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
  `Ratio: after's decisions/s over before's; median (p25-p75, min-max) of ${rounds} paired rounds (ABBA).`,
);
console.log(`before: ${before.tree}\nafter: ${after.tree}\n`);
console.log(
  "| type | hosts | scored | decisions a round | µs CPU a decision, before | after | ratio by CPU time | before first / after first | of each side's fastest quarter | by wall time |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const [config, measured] of pairs) {
  const at = (pick: (pair: Pair) => number, share: number) =>
    quantile(
      measured.map(pick).sort((x, y) => x - y),
      share,
    );
  console.log(
    `| ${config.type} | ${config.hosts} | ${config.sampled ? "sampled" : "every host"} | ${config.decisions} | ` +
      `${at((pair) => pair.beforeMicros, 0.5).toFixed(1)} | ${at((pair) => pair.afterMicros, 0.5).toFixed(1)} | ` +
      `**${spread(measured.map((pair) => pair.cpu))}** | ` +
      // The rounds where before went first are the even ones: an order effect shows as two medians apart.
      `${[0, 1].map((parity) => fixed(median(measured.filter((_, round) => round % 2 === parity).map((pair) => pair.cpu)))).join(" / ")} | ` +
      `${fixed(at((pair) => pair.beforeMicros, 0.25) / at((pair) => pair.afterMicros, 0.25))} | ` +
      `${spread(measured.map((pair) => pair.wall))} |`,
  );
}
