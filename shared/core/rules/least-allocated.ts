import { allocationAfter } from "./allocation.js";
import type { ScoreRule } from "./registry.js";

/** The least allocated host first: binpack's opposite (kube-scheduler's LeastAllocated). */
export const leastAllocated: ScoreRule = {
  name: "least-allocated",
  description: "how free the host would stay with the request on it: 1 minus binpack",
  range: [0, 1],
  score: (host, request) => 1 - allocationAfter(host, request),
};
