import * as z from "zod";
import { SCORE_RULES, scoreRule } from "./rules/registry.js";
import { affinitiesSchema, type SoftRules, softRulesJson, spreadSchema } from "./soft-rules.js";
import { parseWith } from "./validation.js";

/**
 * A scheduler type: the value of a request's `type`, and how its hosts are ranked: a weighted sum of
 * score rules (kube-scheduler's profiles, Nomad's ranking), and soft rules its requests get by default.
 */
export interface SchedulerType {
  type: string;
  description: string;
  /** Score rule name (see SCORE_RULES) → weight: a host's score is the weighted sum of the rules' values. */
  score: Readonly<Record<string, number>>;
  /** The affinities and spread a request of this type gets when it does not carry its own. */
  defaults?: SoftRules;
}

/**
 * The built-in types, always served. `service` weighs replicas 128 times least-allocated: one replica
 * (1/128 of the replicas rule) is worth the whole range of least-allocated, so hosts rank by replicas
 * first, then by allocation, exactly as the sum 1 − allocation − replicas ranked them before rules.
 */
export const DEFAULT_SCHEDULER_TYPES: readonly SchedulerType[] = [
  {
    type: "service",
    description:
      "Long-running services: replicas of one image on distinct hosts, then the least allocated host.",
    score: { replicas: 128, "least-allocated": 1 },
  },
  {
    type: "batch",
    description:
      "Batch jobs: the host where the job strands the fewest GPUs, for lack of devices or of the cpu its free GPUs are owed; a host in use before an empty one unless the empty one strands clearly fewer; then the best fit (least left over), or the largest empty host (for a GPU job once 5% of the hosts are in use, the first in the view's order).",
    // GPU fragmentation's steps of 1/100 first; in-use at 0.03 puts a host in use ahead of an empty one
    // of up to three steps less growth (about 120 milli-GPU), so that a job that would strand GPUs on
    // every host in use opens a host where it strands none; cpu-reserve at 0.5 (a CPU of shortfall is
    // worth one and a half steps) keeps cpu-only jobs, and GPU jobs that ask more cpu a device than the
    // workload does, off the hosts whose free GPUs need the cpu; best-fit, its spread 0.004 under one
    // step, orders the hosts of one step: in use by least left over, empty ones the largest first (a GPU
    // job's go by the view's order once 5% of the hosts are in use: best-fit.ts says why). On openb's
    // Monte-Carlo workload (10 seeds) this allocated 67.81% of the cpu, FGD 67.45% (+0.35 ±0.02 points on
    // the same arrivals); without cpu-reserve 67.41%, with batch's first rules (in-use at 1, then
    // binpack) 66.5%. On the variant whose cpu-only tasks ask half of the cpu, where the reserve is off,
    // 97.19% (the best-fit baseline 97.07%); the replay's peaks stayed at 9 and 7 hosts (BENCHMARKS.md,
    // section 4). Ranking GPU hosts last for requests for no GPU kept 10 hosts against a bound of 6 on
    // the variant.
    score: { "in-use": 0.03, "gpu-fragmentation": 1, "best-fit": 0.004, "cpu-reserve": 0.5 },
  },
  {
    type: "gpu",
    description:
      "GPU jobs, whole devices or shares: the host whose GPU fragmentation grows least (FGD, in wide steps) and where the job cuts least into the cpu free GPUs are owed, the first in the view's order among equals.",
    // The rule's steps are twice as wide as FGD's simulator's, and hosts of one step are taken in the
    // view's order (a packing type's ties, place.ts' tieBreak), as the simulator's first by name: on openb
    // this left fewer GPUs unallocated than the simulator's steps (gpu-fragmentation.ts has the figures),
    // and binpack breaking the ties left more (5.4% against 4.8%, with the simulator's steps).
    // cpu-reserve at 0.5, as batch weighs it (a CPU of shortfall is worth one and a half steps, and
    // breaks many of their ties), left 4.10% of the GPUs unallocated on openb's Monte-Carlo workload
    // (10 seeds; FGD 4.77%, −0.68 ±0.05 points on the same arrivals) where the fragmentation alone left
    // 4.83% (5 seeds), and on the variant whose cpu-only tasks ask half of the cpu 10.58% (FGD 10.82%).
    score: { "gpu-fragmentation-coarse": 1, "cpu-reserve": 0.5 },
  },
];

/**
 * Whether the type packs: the rule it weighs most is a packing rule. Its decisions on a large cluster
 * then scan the hosts from the first, not from a random one (see filterHosts), so that each decision
 * sees the hosts the previous ones filled: from a random start the scan of 1,523 hosts sees about 38%
 * of them and misses most of the few in use, and packing opens new hosts instead (BENCHMARKS.md,
 * section 4, measures both).
 */
export function packs(type: SchedulerType): boolean {
  let heaviest: string | undefined;
  for (const [name, weight] of Object.entries(type.score))
    if (heaviest === undefined || weight > (type.score[heaviest] ?? 0)) heaviest = name;
  return heaviest !== undefined && scoreRule(heaviest)?.packs === true;
}

/** Type names: they name Lambda functions and CloudFormation resources. */
export const TYPE_NAME = /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
export const MAX_CONFIGURED_TYPES = 16;
export const MAX_WEIGHT = 10_000;

const ruleNames = SCORE_RULES.map((rule) => rule.name).join(", ");

const schedulerTypeSchema = z.strictObject({
  type: z
    .string()
    .regex(
      TYPE_NAME,
      "must be 1-32 lowercase letters, digits and '-', starting with a letter and not ending with '-'",
    ),
  description: z.string().min(1).max(200),
  score: z
    .record(z.string(), z.number().positive("must be > 0").max(MAX_WEIGHT))
    .superRefine((score, ctx) => {
      if (Object.keys(score).length === 0)
        ctx.addIssue({ code: "custom", message: "name at least one rule" });
      for (const name of Object.keys(score).filter((name) => !scoreRule(name))) {
        ctx.addIssue({ code: "custom", path: [name], message: `unknown rule; rules: ${ruleNames}` });
      }
    }),
  defaults: z
    .strictObject({ affinities: affinitiesSchema.optional(), spread: spreadSchema.optional() })
    .transform((defaults) => ({
      ...(defaults.affinities && { affinities: defaults.affinities }),
      ...(defaults.spread && { spread: defaults.spread }),
    }))
    .optional(),
});

const configuredSchema = z
  .array(schedulerTypeSchema)
  .max(MAX_CONFIGURED_TYPES)
  .superRefine((types, ctx) => {
    const seen = new Set(DEFAULT_SCHEDULER_TYPES.map((type) => type.type));
    for (const [index, { type }] of types.entries()) {
      if (seen.has(type))
        ctx.addIssue({ code: "custom", path: [index, "type"], message: `duplicate type "${type}"` });
      seen.add(type);
    }
  });

/**
 * The configured scheduler types (`CITADEL_SCHEDULER_TYPES`, the stack's `citadel:schedulerTypes`):
 * a JSON list, as text or already parsed, of `{type, description, score: {rule: weight}, defaults?}`.
 * Throws an Error that starts with `source` and names every problem (unknown rule, bad weight,
 * duplicate type, a name that cannot be one), so that a bad configuration fails at start or synth.
 */
export function parseSchedulerTypes(value: unknown, source: string): SchedulerType[] {
  let list = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value);
    } catch (error) {
      throw new Error(`${source} is not JSON: ${(error as Error).message}`);
    }
  }
  const parsed = parseWith(configuredSchema, list);
  if (parsed.ok) return parsed.value;
  const problems = parsed.issues.map(({ path, message }) => (path ? `${path}: ${message}` : message));
  throw new Error(`${source}: ${problems.join("; ")}`);
}

/** The types a deployment serves: the built-in ones, then the configured ones. */
export function schedulerTypes(configured: readonly SchedulerType[] = []): readonly SchedulerType[] {
  return [...DEFAULT_SCHEDULER_TYPES, ...configured];
}

/** The scheduler type of that name among `types` (the built-in ones by default). */
export function schedulerType(
  type: string,
  types: readonly SchedulerType[] = DEFAULT_SCHEDULER_TYPES,
): SchedulerType | undefined {
  return types.find((scheduler) => scheduler.type === type);
}

/**
 * A type as JSON: what `GET /v1/schedulers` lists, and what the stack writes to the functions'
 * `CITADEL_SCHEDULER_TYPES` (parseSchedulerTypes reads it back as it was).
 */
export function schedulerTypeJson({ type, description, score, defaults }: SchedulerType) {
  return { type, description, score, ...(defaults && { defaults: softRulesJson(defaults) }) };
}
