import type { Host } from "../host.js";
import type { ReplicaCounts } from "../replica-index.js";
import type { ContainerRequest } from "../request.js";
import { affinity } from "./affinity.js";
import { bestFit } from "./best-fit.js";
import { binpack } from "./binpack.js";
import { cpuReserve } from "./cpu-reserve.js";
import type { Workload } from "./fragmentation.js";
import { gpuFragmentation, gpuFragmentationCoarse } from "./gpu-fragmentation.js";
import { inUseRule } from "./in-use.js";
import { leastAllocated } from "./least-allocated.js";
import { replicas } from "./replicas.js";
import { spread } from "./spread.js";

/** What the rules read beside the host and the request, computed once per decision. */
export interface ScoreContext {
  /** The view's hosts, every one, not only the feasible ones. */
  hosts: readonly Host[];
  /** How many live replicas of the request's image each host runs. */
  replicas: ReplicaCounts;
  /** The spread rule's value for each label value seen (see spreadScores); undefined without `spread`. */
  spread: ReadonlyMap<string, number> | undefined;
  /** The workload GPU fragmentation is measured against (see workloadOf), made at the first call. */
  workload: () => Workload;
  /** The share of the view's hosts in use (see inUseShare), counted at the first call. */
  inUseShare: () => number;
  /** The cpu a free GPU is owed (see owedCpu), worked out at the first call. */
  owedCpu: () => number;
}

/**
 * A score rule: how good a feasible host is for a request, normalised to `range`, higher better.
 * A scheduler type weighs rules; a host's score is the weighted sum (kube-scheduler's score plugins).
 */
export interface ScoreRule {
  name: string;
  description: string;
  /** The lowest and highest value the rule gives. */
  range: readonly [number, number];
  score(host: Host, request: ContainerRequest, context: ScoreContext): number;
  /**
   * False when the request, or the view's hosts, give the rule nothing to judge (it would score every
   * host alike): the rule is then left out of the sum, so rules a decision does not use cost nothing.
   * Absent: always used.
   */
  uses?(request: ContainerRequest, hosts: readonly Host[]): boolean;
  /**
   * True for a rule that packs (fills hosts in use before empty ones): a type that weighs it most scans
   * a large cluster from its first host rather than a random one (see `packs` in schedulers.ts).
   */
  packs?: boolean;
}

/** Every score rule, by the name scheduler types weigh it with. */
export const SCORE_RULES: readonly ScoreRule[] = [
  inUseRule,
  binpack,
  bestFit,
  leastAllocated,
  replicas,
  affinity,
  spread,
  gpuFragmentation,
  gpuFragmentationCoarse,
  cpuReserve,
];

/** The rule of that name, if there is one. */
export function scoreRule(name: string): ScoreRule | undefined {
  return SCORE_RULES.find((rule) => rule.name === name);
}
