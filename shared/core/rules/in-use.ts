import type { Host } from "../host.js";
import type { ScoreRule } from "./registry.js";

/** Whether anything is reserved on the host: a placement, or what containers Citadel did not place use. */
export function inUse(host: Host): boolean {
  return host.freeCpu < (host.total.cpu ?? 0) || host.freeMemory < (host.total.memory ?? 0);
}

/**
 * A host in use before an empty one, whatever else ranks them: what keeps whole hosts free (the batch
 * type weighs it as much as any rule, so that no other moves a request to an empty host while a host in
 * use fits). Its own rule, rather than a band of binpack's, so that a type can rank the hosts in use by
 * another rule first (batch: GPU fragmentation) and by allocation only then.
 */
export const inUseRule: ScoreRule = {
  name: "in-use",
  description: "1 for a host with anything reserved on it, 0 for an empty one",
  range: [0, 1],
  packs: true,
  score: (host) => (inUse(host) ? 1 : 0),
};
