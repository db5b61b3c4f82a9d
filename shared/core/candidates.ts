import type { Host } from "./host.js";
import { hostView } from "./host-view.js";
import { filterHosts, topHosts } from "./pipeline.js";
import { ReplicaIndex } from "./replica-index.js";
import type { ContainerRequest } from "./request.js";
import { amountsView, freeOf } from "./resources.js";
import { packs, type SchedulerType } from "./schedulers.js";
import { type ScoreBreakdown, scoring } from "./scoring.js";
import { volumesHeld } from "./volumes.js";

/** Candidates an answer lists when the caller names no `limit`. */
export const DEFAULT_CANDIDATES = 10;

/**
 * The largest `limit`: a host's view can reach about 30 KB (32 labels of 255 characters), and 100 of
 * them stay well under Lambda's 6 MB answer, escaped once more inside the function's answer.
 */
export const MAX_CANDIDATES = 100;

/** One feasible host with its score and the score of each rule. */
export interface Candidate extends ScoreBreakdown {
  host: Host;
}

/** Every host's fate for a request: the feasible ones ranked, the others counted by reason. */
export interface Candidates {
  /** How many hosts were looked at: all of them. */
  hosts: number;
  /** The best `limit` feasible hosts, best first. */
  candidates: Candidate[];
  /** How many hosts failed on which filter (the first each failed, as a 409 counts them). */
  infeasible: Record<string, number>;
}

/**
 * Ranks every host for `request` as the scheduler of its type would, reserving nothing: the filter
 * sees every host (no sample), so the answer is complete. Equal scores rank as a placement breaks such
 * ties (place.ts' tieBreak) where it can: for a packing type in the order the hosts were read, whose
 * first a placement takes; for the others, which take one at random, by host id, so the same cluster
 * always answers the same list.
 */
export function rankCandidates(
  hosts: readonly Host[],
  request: ContainerRequest,
  scheduler: SchedulerType,
  limit: number,
): Candidates {
  // Volumes: which of them some host holds is read off every host here.
  const decided = request.volumes
    ? { ...request, volumesHeld: volumesHeld(hosts, request.volumes) }
    : request;
  const { feasible, reasons } = filterHosts(hosts, decided);
  // As a decision scores: over every host (spread counts the image's replicas on all of them).
  const scored = scoring(scheduler, request, { hosts, replicas: new ReplicaIndex(hosts).of(request.image) });
  const ordered = packs(scheduler)
    ? feasible
    : [...feasible].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const top = topHosts(ordered, scored.score, limit);
  return {
    hosts: hosts.length,
    candidates: top.map(({ host }) => ({ host, ...scored.breakdown(host) })),
    infeasible: reasons,
  };
}

/**
 * `POST /v1/candidates`'s answer: each candidate's host as `GET /v1/hosts` shows it, its scores
 * (rounded to 6 decimals: the ranking used them whole), and what is free on it now.
 */
export function candidatesAnswer({ hosts, candidates, infeasible }: Candidates) {
  return {
    hosts,
    candidates: candidates.map(({ host, score, scores }) => ({
      host: hostView(host),
      score: rounded(score),
      scores: Object.fromEntries(Object.entries(scores).map(([rule, value]) => [rule, rounded(value)])),
      free: amountsView(freeOf(host)),
    })),
    infeasible,
  };
}

function rounded(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}
