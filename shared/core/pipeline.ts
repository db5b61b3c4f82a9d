import { satisfies } from "./constraints.js";
import { assignGpus } from "./gpus.js";
import { gpuShares, type Host, MAX_PLACEMENTS_PER_HOST, takenPorts } from "./host.js";
import { imageTag } from "./image.js";
import { assignPorts, type PortRequest } from "./ports.js";
import type { ContainerRequest } from "./request.js";
import { COUNTED, type Counted, capacityKnown, shortage } from "./resources.js";
import { volumesReason } from "./volumes.js";

/**
 * The reason of each shortage, made once: most hosts a busy cluster's filter refuses are short of one,
 * and filterHosts counts them in an object keyed by reason. Taken back from an object's keys, the
 * strings are V8's internalized ones, as literals are: a key built at run time is looked up in the
 * string table on every count, which made the filter of 10,000 hosts twice as slow.
 */
const INSUFFICIENT = Object.fromEntries(
  Object.keys(Object.fromEntries(COUNTED.map((name) => [`insufficient ${name}`, name]))).map((reason) => [
    reason.slice("insufficient ".length),
    reason,
  ]),
) as Record<Counted, string>;

/**
 * Filter: why the host cannot take the request, or undefined when it can. The checks run in order and a
 * host is reported under the first it fails; as in kube-scheduler, what was asked for (a host to avoid,
 * status, constraints, distinct hosts, volumes) comes before what is used up (resources). One function rather than a list of filter
 * functions: it runs for hundreds of hosts per decision, and calls through a list measured half as fast.
 */
export function unfitReason(host: Host, request: ContainerRequest): string | undefined {
  // Run mode's retries skip the hosts where the container did not start (it is not free there).
  if (request.avoidHosts?.has(host.id)) return "container failed to start here";
  if (host.status !== "ready") return `host ${host.status}`;
  for (const constraint of request.constraints) {
    if (!satisfies(host, constraint)) return `constraint ${constraint.text} not met`;
  }
  if (request.distinctHosts && runsImage(host, request)) return "image already on host (distinct_hosts)";
  const volumes = request.volumes && volumesReason(host, request.volumes, request.volumesHeld);
  if (volumes) return volumes;
  if (!capacityKnown(host.total)) return "capacity unknown";
  if (host.placements.length >= MAX_PLACEMENTS_PER_HOST) return "placement limit reached";
  const short = shortage(host, request.amounts);
  if (short) return INSUFFICIENT[short];
  if (request.gpus) {
    const gpus = assignGpus(request.gpus, host.gpus, gpuShares(host));
    if (typeof gpus === "string") return gpus;
  }
  return request.ports && portsReason(host, request.ports);
}

/** Why the host cannot give the request its host ports (a static one taken, or none free in its range). */
function portsReason(host: Host, ports: readonly PortRequest[]): string | undefined {
  const assigned = assignPorts(ports, takenPorts(host), host.portRange, () => 0);
  return typeof assigned === "string" ? assigned : undefined;
}

/** The tag of each request's image, computed once per request rather than once per host. */
const requestTags = new WeakMap<ContainerRequest, string>();

/**
 * Whether the host runs a live placement of the request's image (by tag, as its record keeps them; a
 * rare tag collision refuses a host it need not). As the view sees it: two schedulers deciding at
 * once, or within the view's age, may both place the image on one host, since the commit checks fit,
 * not distinct_hosts (the image is a 7-character tag inside each placement entry, which no DynamoDB
 * condition can test). Citadel 2014's unique scheduler had the same limit.
 */
function runsImage(host: Host, request: ContainerRequest): boolean {
  let tag = requestTags.get(request);
  if (tag === undefined) {
    tag = imageTag(request.image);
    requestTags.set(request, tag);
  }
  for (const placement of host.placements) if (placement.imageTag === tag) return true;
  return false;
}

/** Hosts that passed every filter, and how many hosts failed on which reason. */
export interface Feasibility {
  feasible: Host[];
  reasons: Record<string, number>;
}

/**
 * How many feasible hosts are enough to choose from in a cluster of `hostCount` (kube-scheduler's
 * percentageOfNodesToScore: 50% of the hosts minus 1% per 125 hosts, at least 5%, at least 100 hosts).
 * Scoring every host of a large cluster buys little placement quality for a lot of time.
 */
export function feasibleEnough(hostCount: number): number {
  return Math.max(100, Math.ceil((hostCount * Math.max(5, 50 - hostCount / 125)) / 100));
}

/**
 * Filter: keeps the hosts that can take the request and counts why the others cannot. With `limit`,
 * the scan starts at a random host and stops once `limit` hosts are feasible; when it finds fewer it
 * has seen every host, so an empty answer (and its reasons) is always complete.
 */
export function filterHosts(
  hosts: readonly Host[],
  request: ContainerRequest,
  sample?: { limit: number; random: () => number },
): Feasibility {
  const reasons: Record<string, number> = {};
  // Small integers (`| 0`): a floating-point start and limit cost a conversion per host in the loop (the
  // filter of 1,523 hosts, sampled, ran about 6% more scans a second without: 6 runs each, interleaved).
  let at = sample ? (sample.random() * hosts.length) | 0 : 0;
  const limit = sample ? Math.min(sample.limit, hosts.length) | 0 : hosts.length;
  // Sized once, cut to what was found: pushed one by one, the array grew a dozen times per decision, and
  // growing it took 13% of the filter's time (perf, 1,523 hosts, sampled); sized, sampled decisions ran
  // about 6% faster against d9c2c12's (batch at 1,523 hosts: 0.86 → 0.92, bench/engine-ab.ts).
  const feasible = new Array<Host>(limit);
  let found = 0;
  for (let seen = 0; seen < hosts.length && found < limit; seen++) {
    // Wrapped by a comparison, not `%`: without an integer division per host, the filter of 1,523 hosts
    // (sampled) ran about 10% more scans a second (5 runs each, interleaved).
    if (at === hosts.length) at = 0;
    const host = hosts[at++] as Host;
    const reason = unfitReason(host, request);
    if (reason) reasons[reason] = (reasons[reason] ?? 0) + 1;
    else feasible[found++] = host;
  }
  feasible.length = found;
  return { feasible, reasons };
}

export interface Ranked {
  host: Host;
  score: number;
}

/** Scores a feasible host for one decision, higher better (see Scoring.score in scoring.ts). */
export type HostScore = (host: Host) => number;

/** Score: the `count` best hosts, best first (a partial selection, not a full sort). */
export function topHosts(feasible: readonly Host[], score: HostScore, count: number): Ranked[] {
  const top: Ranked[] = [];
  for (const host of feasible) {
    const ranked = { host, score: score(host) };
    // From the end: a host that ranks below the `count` kept goes in last and out again at once.
    let index = top.length;
    while (index > 0 && (top[index - 1] as Ranked).score < ranked.score) index--;
    top.splice(index, 0, ranked);
    if (top.length > count) top.pop();
  }
  return top;
}

/** How many near-best hosts a retry chooses among after a failed commit. */
export const NEAR_BEST = 3;

/**
 * Select: the best-scored host, ties broken by `random()` over them in the order of `feasible` (see
 * place.ts' tieBreak: at random, or the first); with `nearBest` > 1 (after a failed commit), any of that many best,
 * to step aside from the host other schedulers are fighting over.
 */
export function selectHost(
  feasible: readonly Host[],
  score: HostScore,
  options: { nearBest: number; random: () => number },
): Host | undefined {
  if (options.nearBest > 1) {
    const near = topHosts(feasible, score, options.nearBest);
    return near[Math.floor(options.random() * near.length)]?.host;
  }
  let best: Host[] = [];
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const host of feasible) {
    const value = score(host);
    if (value > bestScore + 1e-12) {
      bestScore = value;
      best = [host];
    } else if (value >= bestScore - 1e-12) {
      best.push(host);
    }
  }
  return best[Math.floor(options.random() * best.length)];
}

/** The unschedulable message, in kube-scheduler's words: "0/5 hosts are available: 3 insufficient cpu." */
export function describeReasons(hostCount: number, reasons: Record<string, number>): string {
  const parts = Object.entries(reasons)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${count} ${reason}`);
  return `0/${hostCount} hosts are available${parts.length ? `: ${parts.join(", ")}` : ""}.`;
}
