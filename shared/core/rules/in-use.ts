import type { Host } from "../host.js";
import type { ScoreRule } from "./registry.js";

/** Whether anything is reserved on the host: a placement, or what containers Citadel did not place use. */
export function inUse(host: Host): boolean {
  return host.freeCpu < (host.total.cpu ?? 0) || host.freeMemory < (host.total.memory ?? 0);
}

/** The share of `hosts` in use (see inUse); 0 for none. */
export function inUseShare(hosts: readonly Host[]): number {
  let count = 0;
  for (const host of hosts) if (inUse(host)) count++;
  return hosts.length === 0 ? 0 : count / hosts.length;
}

/**
 * A host in use before an empty one: what keeps whole hosts free. Its own rule, rather than a band of
 * binpack's, so that a type can weigh it against another rule: batch weighs it as three steps of GPU
 * fragmentation, so that a job opens an empty host only where it strands clearly fewer GPUs than on
 * every host in use (schedulers.ts has the figures).
 */
export const inUseRule: ScoreRule = {
  name: "in-use",
  description: "1 for a host with anything reserved on it, 0 for an empty one",
  range: [0, 1],
  packs: true,
  score: (host) => (inUse(host) ? 1 : 0),
};
