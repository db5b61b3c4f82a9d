import type { Host } from "./host.js";
import type { ReplicaCounts } from "./replica-index.js";
import type { ContainerRequest } from "./request.js";
import { owedCpu } from "./rules/cpu-reserve.js";
import type { Workload } from "./rules/fragmentation.js";
import { workloadOf } from "./rules/gpu-fragmentation.js";
import { inUseShare } from "./rules/in-use.js";
import { type ScoreContext, type ScoreRule, scoreRule } from "./rules/registry.js";
import { spreadScores } from "./rules/spread.js";
import type { SchedulerType } from "./schedulers.js";

/**
 * The weight of a request's own rule (`affinity`, `spread`) in a type that does not weigh it: twice the
 * service type's replicas weight (128), so what the request asks for ranks hosts before the type's own
 * preferences do.
 */
export const REQUEST_RULE_WEIGHT = 256;

/** What a decision sees beside the feasible hosts: every host of the view, and the image's replicas. */
export interface ScoreView {
  hosts: readonly Host[];
  replicas: ReplicaCounts;
}

/** A host's score and each rule's weighted part of it (they sum to the score). */
export interface ScoreBreakdown {
  score: number;
  scores: Record<string, number>;
}

/** One decision's scoring: a scheduler type's rules applied to one request over one view. */
export interface Scoring {
  /** The request with the type's default soft rules where it has none of its own. */
  request: ContainerRequest;
  /** Rule → weight: the type's, and the request's own rules at REQUEST_RULE_WEIGHT. */
  weights: Readonly<Record<string, number>>;
  /** The weighted sum of the rules for a feasible host: the hot path, allocating nothing. */
  score(host: Host): number;
  /** The same sum and each rule's weighted value (0 for a rule the request does not use). */
  breakdown(host: Host): ScoreBreakdown;
}

/**
 * Prepares the scoring of `request` by `type` over `view`, once per decision: the type's default soft
 * rules, the rules the request uses (the others are left out of the sum: they would score 0), and
 * what a rule reads of the whole view (spread's counts per label value). Then `score` runs per host.
 */
export function scoring(type: SchedulerType, request: ContainerRequest, view: ScoreView): Scoring {
  const effective = withDefaults(type, request);
  // One shape whatever the request: the rules read it per host.
  let made: Workload | undefined;
  let share: number | undefined;
  let owed: number | undefined;
  // The functions made per decision are methods, not arrow functions given a name (`workload: () => ...`,
  // `const breakdown = (host) => ...`): tsx, which runs `npm run bench` and `npm start`, keeps functions'
  // names by redefining the `name` of each such arrow as it is made, a slow path of V8's: scoring took
  // 2 µs a call where it takes 0.15 now, and decisions on 1,523 hosts ran 4-7% faster without it
  // (bench/engine-ab.ts, 36 paired rounds; a bundle built without keepNames never paid it).
  const context: ScoreContext = {
    hosts: view.hosts,
    replicas: view.replicas,
    spread: effective.spread && spreadScores(effective.spread, view.hosts, view.replicas),
    workload() {
      made ??= workloadOf(view.hosts, effective);
      return made;
    },
    inUseShare() {
      // Every host of the view, once a decision and only for a GPU request scoring an empty host (best-fit):
      // 3.4 µs on 1,523 hosts, under 1% of a GPU decision of batch there.
      share ??= inUseShare(view.hosts);
      return share;
    },
    owedCpu() {
      // Every host of the view, once a decision and only in a view with GPUs: about 50 µs on the bench's
      // view of 1,523 hosts, 3-6% of a decision of batch there; a scheduler's view of a cluster past 80
      // hosts is a slice of about 40 (snapshot.ts' SLICE_HOSTS).
      owed ??= owedCpu(view.hosts, context.workload());
      return owed;
    },
  };
  const { weights, terms, make } = planOf(type, effective, view.hosts);
  const score = make(terms.rules, terms.weights, effective, context);
  return {
    request: effective,
    weights,
    score,
    breakdown(host: Host): ScoreBreakdown {
      const scores: Record<string, number> = Object.fromEntries(
        Object.keys(weights).map((name) => [name, 0]),
      );
      let sum = 0;
      terms.names.forEach((name, index) => {
        const value = (terms.weights[index] ?? 0) * (terms.rules[index] as Rule)(host, effective, context);
        scores[name] = value;
        sum += value;
      });
      return { score: sum, scores };
    },
  };
}

type Rule = ScoreRule["score"];

/** How a type scores the requests that use the same of its rules: worked out once, not per decision. */
interface Plan {
  weights: Readonly<Record<string, number>>;
  /** The rules summed, in the weights' order, with their weights. */
  terms: { names: readonly string[]; rules: readonly Rule[]; weights: readonly number[] };
  make: SumMaker;
}

/** A rule a type's decision may sum, with its weight: the type's own, and a request's affinity and spread. */
interface Weighed {
  name: string;
  weight: number;
  rule: ScoreRule;
}

/** Each type's weighed rules, and its plans by which of them a request uses (a bit each). */
const plans = new WeakMap<SchedulerType, { weighed: Weighed[]; byUse: Map<number, Plan> }>();

/**
 * The plan of `type` for a request: the type's weights and the request's own rules at
 * REQUEST_RULE_WEIGHT, and the rules it uses (the others are left out of the sum: they would score
 * every host alike, 0 for a soft rule the request lacks, no growth for GPU fragmentation on a view
 * without GPUs).
 * Cached by which rules the request uses: building it per decision (the weights, their entries, each
 * rule looked up by name) cost about a microsecond, a few percent of a decision on 1,523 hosts.
 */
function planOf(type: SchedulerType, request: ContainerRequest, hosts: readonly Host[]): Plan {
  let cached = plans.get(type);
  if (!cached) {
    const own = ["affinity", "spread"].filter((name) => !Object.hasOwn(type.score, name));
    const weighed = [
      ...Object.entries(type.score),
      ...own.map((name): [string, number] => [name, REQUEST_RULE_WEIGHT]),
    ].map(([name, weight]) => {
      const rule = scoreRule(name);
      if (!rule) throw new Error(`scheduler type ${type.type} weighs an unknown rule ${name}`);
      return { name, weight, rule };
    });
    cached = { weighed, byUse: new Map() };
    plans.set(type, cached);
  }
  let use = 0;
  cached.weighed.forEach(({ rule }, index) => {
    if (!rule.uses || rule.uses(request, hosts)) use |= 1 << index;
  });
  let plan = cached.byUse.get(use);
  if (!plan) {
    const used = cached.weighed.filter((_, index) => use & (1 << index));
    const weights = Object.fromEntries(
      cached.weighed
        .filter(({ name }, index) => Object.hasOwn(type.score, name) || use & (1 << index))
        .map(({ name, weight }) => [name, weight]),
    );
    plan = {
      weights,
      terms: {
        names: used.map(({ name }) => name),
        rules: used.map(({ rule }) => rule.score),
        weights: used.map(({ weight }) => weight),
      },
      make: sumMaker(used.length),
    };
    cached.byUse.set(use, plan);
  }
  return plan;
}

/** Makes a decision's weighted sum from its rules, weights, request and context. */
type SumMaker = (
  rules: readonly Rule[],
  weights: readonly number[],
  request: ContainerRequest,
  context: ScoreContext,
) => (host: Host) => number;

/**
 * The weighted sum of `count` rules as one function of the host, adding in the order of the breakdown
 * (so both give the same number), its code compiled for each plan (each type and set of rules). V8 keeps
 * what a call site has seen per function's code: with one code for every type, the calls to the rules
 * saw the service, batch and gpu types' rules and were no longer inlined, and the service type, decided
 * after the others in the engine bench, made 0.64 of the decisions it made before rules at 10,000 hosts
 * (3 rounds; a loop over the terms measured twice as slow per host).
 */
function sumMaker(count: number): SumMaker {
  const each = Array.from(
    { length: count },
    (_, index) => `const r${index} = rules[${index}], w${index} = weights[${index}];`,
  );
  const sum = Array.from({ length: count }, (_, index) => `w${index} * r${index}(host, request, context)`);
  return new Function(
    "rules",
    "weights",
    "request",
    "context",
    `${each.join("\n")}\nreturn (host) => ${sum.join(" + ") || "0"};`,
  ) as SumMaker;
}

function withDefaults(type: SchedulerType, request: ContainerRequest): ContainerRequest {
  const affinities = request.affinities ?? type.defaults?.affinities;
  const spread = request.spread ?? type.defaults?.spread;
  if (affinities === request.affinities && spread === request.spread) return request;
  return { ...request, ...(affinities && { affinities }), ...(spread && { spread }) };
}
