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
  const score = weightedSum(terms, effective, context);
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

/**
 * The weighted sum of `terms` as one function of the host, adding in the order of the breakdown (so
 * both give the same number). Unrolled up to three rules, which the built-in types are: a loop calls
 * every rule through one polymorphic call site, which measured twice as slow per host as the single
 * functions the types were before rules; unrolled, one rule costs what it did, two about a third more.
 */
function weightedSum(
  terms: readonly Term[],
  request: ContainerRequest,
  context: ScoreContext,
): (host: Host) => number {
  const [first, second] = terms;
  if (!first) return () => 0;
  const { weight: a, score: ruleA } = first;
  if (!second) {
    return a === 1 ? (host) => ruleA(host, request, context) : (host) => a * ruleA(host, request, context);
  }
  const { weight: b, score: ruleB } = second;
  if (terms.length === 2)
    return (host) => a * ruleA(host, request, context) + b * ruleB(host, request, context);
  const [, , third] = terms;
  if (third && terms.length === 3) {
    const { weight: c, score: ruleC } = third;
    return (host) =>
      a * ruleA(host, request, context) +
      b * ruleB(host, request, context) +
      c * ruleC(host, request, context);
  }
  return (host) => {
    let sum = 0;
    for (const { weight, score } of terms) sum += weight * score(host, request, context);
    return sum;
  };
}

function withDefaults(type: SchedulerType, request: ContainerRequest): ContainerRequest {
  const affinities = request.affinities ?? type.defaults?.affinities;
  const spread = request.spread ?? type.defaults?.spread;
  if (affinities === request.affinities && spread === request.spread) return request;
  return { ...request, ...(affinities && { affinities }), ...(spread && { spread }) };
}
