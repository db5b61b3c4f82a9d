import { askedGpu, WHOLE } from "../gpus.js";
import { freeGpu, type Host } from "../host.js";
import type { ContainerRequest } from "../request.js";
import { emptyHostScore } from "./allocation.js";
import { inUse } from "./in-use.js";
import { perView } from "./per-view.js";
import type { ScoreContext, ScoreRule } from "./registry.js";

/** The view's most cpu and most GPU capacity: what best-fit measures leftovers against. */
interface Largest {
  cpu: number;
  gpuMilli: number;
}

/** The most cpu and the most GPU (milli) among the view's hosts (perhaps two hosts), once per view. */
const largestOf = perView((hosts): Largest => {
  const largest = { cpu: 0, gpuMilli: 0 };
  for (const host of hosts) {
    largest.cpu = Math.max(largest.cpu, host.total.cpu ?? 0);
    largest.gpuMilli = Math.max(largest.gpuMilli, (host.gpus?.count ?? 0) * WHOLE);
  }
  return largest;
});

/**
 * What a host in use would have left once the request is on it, as a share of the most any host has:
 * FGD's simulator's best-fit (best_fit_score.go), cpu and GPUs weighed alike (cpu alone in a view
 * without GPUs). Absolute, not relative as allocation is: a small host nearly full fits better than a
 * big one half full.
 */
function leftover(host: Host, request: ContainerRequest, largest: Largest): number {
  const cpu = (host.freeCpu - request.amounts.cpu) / Math.max(1, largest.cpu);
  if (largest.gpuMilli === 0) return cpu;
  return (cpu + (freeGpu(host) - askedGpu(request.gpus)) / largest.gpuMilli) / 2;
}

/**
 * From this share of the view's hosts in use on, a GPU request finds every empty host alike (they go by
 * the view's order); below it, as any request, the largest first. The largest first keeps whole hosts
 * free while few are in use: the replay of openb's trace peaks at 9 hosts (0.6% of them), its bound. Past
 * a few hosts it opens GPU hosts by size only, the big ones first, until the small GPU-dense ones (4
 * devices for 32 CPUs) open last and strand their GPUs; in the view's order hosts of every shape are in use
 * at once and fragmentation sends each job to the shape it fits. On openb's Monte-Carlo workload batch
 * allocated 67.41% of the cpu with it at 5%, against 66.95% with the largest first throughout (FGD 67.45%,
 * 10 seeds), and kept the replay's peaks (9 and 7 hosts); from the first host on (the view's order
 * throughout) the peaks were 33 and 22 hosts, against bounds of 9 and 6.
 */
export const IN_ORDER_FROM = 0.05;

/** An empty host's score where empty hosts go by the view's order: one value, the empty band's floor. */
const IN_ORDER = 0.25;

/** An empty host's score: the largest first, or all alike for a GPU request once IN_ORDER_FROM are in use. */
function emptyScore(host: Host, request: ContainerRequest, context: ScoreContext): number {
  // Requests for no GPU keep the largest first: on the variant whose cpu-only tasks ask half of the cpu,
  // with the share at 10%, taking them in the view's order as well allocated 96.80% of the cpu where
  // keeping them the largest first allocated 97.04% (5 seeds each; the best-fit baseline 97.07%).
  return request.gpus && context.inUseShare() >= IN_ORDER_FROM ? IN_ORDER : emptyHostScore(host, request);
}

/**
 * Packing by fit: a host in use before any empty one, the one left with the least once placed (best-fit);
 * among empty hosts the largest, as binpack, but for a GPU request once IN_ORDER_FROM of the view's hosts
 * are in use. Hosts in use score in [0.5, 1], empty ones in [0.25, 0.5). Batch breaks GPU fragmentation's
 * ties with it: on openb's Monte-Carlo workload, best-fit among the hosts in use allocated more cpu than
 * binpack's most allocated did (BENCHMARKS.md, section 4).
 */
export const bestFit: ScoreRule = {
  name: "best-fit",
  description: `hosts in use first, the least left over once placed (free cpu and GPUs as shares of the most any host of the view has, FGD's simulator's best-fit) in 0.5..1; then empty hosts, the largest first, in 0.25..0.5, but for a GPU request once ${IN_ORDER_FROM * 100}% of the view's hosts are in use: then every empty host scores 0.25 (the view's order)`,
  range: [0, 1],
  packs: true,
  score: (host, request, context) =>
    inUse(host)
      ? // Within 0..1 even for a host outside the view or one the request does not fit (never scored so).
        0.5 + (1 - Math.min(1, Math.max(0, leftover(host, request, largestOf(context.hosts))))) / 2
      : emptyScore(host, request, context),
};
