import { MAX_PLACEMENTS_PER_HOST } from "../host.js";
import type { ScoreRule } from "./registry.js";

/**
 * Fewer live replicas of the request's image on the host is better: 1 − replicas / 128 (a host's most
 * placements), so each replica costs 1/128 and a weight of 128 makes one replica worth 1, the whole
 * range of an allocation rule (the service type's "replicas first").
 */
export const replicas: ScoreRule = {
  name: "replicas",
  description: `fewer live replicas of the same image on the host: 1 - replicas / ${MAX_PLACEMENTS_PER_HOST}`,
  range: [0, 1],
  score: (host, _request, context) => 1 - (context.replicas.get(host) ?? 0) / MAX_PLACEMENTS_PER_HOST,
};
