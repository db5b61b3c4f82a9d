import type { Host } from "./host.js";
import type { ReplicaCounts } from "./replica-index.js";
import type { ContainerRequest } from "./request.js";
import type { Workload } from "./rules/fragmentation.js";
import { workloadOf } from "./rules/gpu-fragmentation.js";
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
  const weights: Record<string, number> = { ...type.score };
  if (effective.affinities) weights.affinity ??= REQUEST_RULE_WEIGHT;
  if (effective.spread) weights.spread ??= REQUEST_RULE_WEIGHT;
  // One shape whatever the request: the rules read it per host.
  let workload: Workload | undefined;
  const context: ScoreContext = {
    replicas: view.replicas,
    spread: effective.spread && spreadScores(effective.spread, view.hosts, view.replicas),
    workload: () => {
      workload ??= workloadOf(view.hosts, effective);
      return workload;
    },
  };
  const terms: Term[] = [];
  for (const [name, weight] of Object.entries(weights)) {
    const rule = scoreRule(name);
    if (!rule) throw new Error(`scheduler type ${type.type} weighs an unknown rule ${name}`);
    if (!rule.uses || rule.uses(effective)) terms.push({ name, weight, score: rule.score });
  }
  const score = weightedSum(type, terms, effective, context);
  const breakdown = (host: Host): ScoreBreakdown => {
    const scores: Record<string, number> = Object.fromEntries(Object.keys(weights).map((name) => [name, 0]));
    let sum = 0;
    for (const { name, weight, score: rule } of terms) {
      const value = weight * rule(host, effective, context);
      scores[name] = value;
      sum += value;
    }
    return { score: sum, scores };
  };
  return { request: effective, weights, score, breakdown };
}

/** One rule of a decision's sum, with its weight. */
interface Term {
  name: string;
  weight: number;
  score: ScoreRule["score"];
}

/** Makes a decision's weighted sum from its rules, weights, request and context. */
type SumMaker = (
  rules: readonly ScoreRule["score"][],
  weights: readonly number[],
  request: ContainerRequest,
  context: ScoreContext,
) => (host: Host) => number;

/** The sum makers compiled for each scheduler type, by the names of the rules summed. */
const sumMakers = new WeakMap<SchedulerType, Map<string, SumMaker>>();

/**
 * The weighted sum of `terms` as one function of the host, adding in the order of the breakdown (so
 * both give the same number), its code compiled once per scheduler type and set of rules. V8 keeps what
 * a call site has seen per function's code: with one code for every type, the calls to the rules saw
 * the service, batch and gpu types' rules and were no longer inlined, and the service type, decided
 * after the others in the engine bench, made 0.64 of the decisions it made before rules at 10,000
 * hosts (3 rounds; a loop over the terms measured twice as slow per host).
 */
function weightedSum(
  type: SchedulerType,
  terms: readonly Term[],
  request: ContainerRequest,
  context: ScoreContext,
): (host: Host) => number {
  const key = terms.map(({ name }) => name).join(",");
  let makers = sumMakers.get(type);
  if (!makers) {
    makers = new Map();
    sumMakers.set(type, makers);
  }
  let make = makers.get(key);
  if (!make) {
    const each = terms.map((_, index) => `const r${index} = rules[${index}], w${index} = weights[${index}];`);
    const sum = terms.map((_, index) => `w${index} * r${index}(host, request, context)`);
    make = new Function(
      "rules",
      "weights",
      "request",
      "context",
      `${each.join("\n")}\nreturn (host) => ${sum.join(" + ") || "0"};`,
    ) as SumMaker;
    makers.set(key, make);
  }
  return make(
    terms.map(({ score }) => score),
    terms.map(({ weight }) => weight),
    request,
    context,
  );
}

function withDefaults(type: SchedulerType, request: ContainerRequest): ContainerRequest {
  const affinities = request.affinities ?? type.defaults?.affinities;
  const spread = request.spread ?? type.defaults?.spread;
  if (affinities === request.affinities && spread === request.spread) return request;
  return { ...request, ...(affinities && { affinities }), ...(spread && { spread }) };
}
