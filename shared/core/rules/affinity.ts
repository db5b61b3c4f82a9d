import { satisfies } from "../constraints.js";
import type { ScoreRule } from "./registry.js";

/**
 * The request's affinities (Nomad's): the weights of the affinities the host satisfies over the sum of
 * all the weights' magnitudes, in −1..1. A host that satisfies every positive and no negative one
 * scores 1.
 */
export const affinity: ScoreRule = {
  name: "affinity",
  description:
    "the request's affinities: the sum of the weights the host satisfies over the sum of |weights|",
  range: [-1, 1],
  uses: (request) => request.affinities !== undefined,
  score: (host, request) => {
    let satisfied = 0;
    let total = 0;
    for (const { constraint, weight } of request.affinities ?? []) {
      total += Math.abs(weight);
      if (satisfies(host, constraint)) satisfied += weight;
    }
    return total === 0 ? 0 : satisfied / total;
  },
};
