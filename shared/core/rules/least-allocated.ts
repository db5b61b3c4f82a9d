import { allocationAfter } from "./allocation.js";
import type { ScoreRule } from "./registry.js";

/** The least allocated host first (kube-scheduler's LeastAllocated). */
export const leastAllocated: ScoreRule = {
  name: "least-allocated",
  description:
    "how free the host would stay with the request on it: 1 minus the mean over cpu and memory of (reserved + requested) / total",
  range: [0, 1],
  score: (host, request) => 1 - allocationAfter(host, request),
};
