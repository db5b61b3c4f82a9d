import { allocationAfter } from "./allocation.js";
import type { ScoreRule } from "./registry.js";

/** The most allocated host first, so that whole hosts stay free (the batch type's rule). */
export const binpack: ScoreRule = {
  name: "binpack",
  description:
    "how full the host would be with the request on it: the mean over cpu and memory of (reserved + requested) / total",
  range: [0, 1],
  score: (host, request) => allocationAfter(host, request),
};
