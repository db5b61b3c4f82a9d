import type { Host } from "../host.js";
import { allocationAfter } from "./allocation.js";
import type { ScoreRule } from "./registry.js";

/** Whether anything is reserved on the host: a placement, or what containers Citadel did not place use. */
function inUse(host: Host): boolean {
  return host.freeCpu < (host.total.cpu ?? 0) || host.freeMemory < (host.total.memory ?? 0);
}

/**
 * Packing (the batch type's rule): a host already in use before any empty one, the most allocated
 * first; among empty hosts the largest (the least allocated once the request is on it). Hosts in use
 * score in [0.5, 1], empty ones in [0.25, 0.5). Allocation alone (Citadel 2014's binpack, the mean over
 * cpu and memory of (reserved + requested) / total) ranks an empty small host above a half-used big one,
 * so on a mixed cluster it opened a new host for each job: on Alibaba's openb trace it kept 48 hosts in
 * use at the peak where 7 hold the load and first-fit needs 21 (BENCHMARKS.md, section 4).
 * A request for no GPU goes to a host with GPU devices only when no other fits (those score below 0.25,
 * in use first): cpu taken there strands the devices for the GPU requests that need it (Weng et al.,
 * ATC '23, section 3), as kube clusters keep GPU nodes for GPU pods with taints.
 */
export const binpack: ScoreRule = {
  name: "binpack",
  description:
    "hosts in use first, the most allocated (the mean over cpu and memory of (reserved + requested) / total) in 0.5..1; then empty hosts, the largest first, in 0.25..0.5; a request for no GPU ranks hosts with GPUs last, in 0..0.25",
  range: [0, 1],
  packs: true,
  score: (host, request) => {
    const allocation = allocationAfter(host, request);
    const score = inUse(host) ? 0.5 + allocation / 2 : 0.25 + (1 - allocation) / 4;
    return host.gpus !== null && request.gpus === undefined ? score / 4 : score;
  },
};
