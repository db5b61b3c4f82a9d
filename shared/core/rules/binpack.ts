import { allocationAfter, emptyHostScore } from "./allocation.js";
import { inUse } from "./in-use.js";
import type { ScoreRule } from "./registry.js";

/**
 * Packing: a host already in use before any empty one, the most allocated first; among empty hosts the
 * largest (the least allocated once the request is on it). Hosts in use score in [0.5, 1], empty ones in
 * [0.25, 0.5). Allocation alone (Citadel 2014's binpack, the mean over cpu and memory of (reserved +
 * requested) / total) ranks an empty small host above a half-used big one, so on a mixed cluster it
 * opened a new host for each job: on Alibaba's openb trace it kept 48 hosts in use at the peak where 7
 * hold the load and first-fit needs 21 (BENCHMARKS.md, section 4).
 */
export const binpack: ScoreRule = {
  name: "binpack",
  description:
    "hosts in use first, the most allocated (the mean over cpu and memory of (reserved + requested) / total) in 0.5..1; then empty hosts, the largest first, in 0.25..0.5",
  range: [0, 1],
  packs: true,
  score: (host, request) =>
    inUse(host) ? 0.5 + allocationAfter(host, request) / 2 : emptyHostScore(host, request),
};
