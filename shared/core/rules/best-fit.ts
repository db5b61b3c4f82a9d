import { WHOLE } from "../gpus.js";
import { gpuShares, type Host } from "../host.js";
import type { ContainerRequest } from "../request.js";
import { emptyHostScore } from "./allocation.js";
import { inUse } from "./in-use.js";
import { perView } from "./per-view.js";
import type { ScoreRule } from "./registry.js";

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
  const free = gpuShares(host).reduce((sum, share) => sum + WHOLE - share, 0);
  const asked = request.gpus ? request.gpus.count * request.gpus.share : 0;
  return (cpu + (free - asked) / largest.gpuMilli) / 2;
}

/**
 * Packing by fit: a host in use before any empty one, the one left with the least once placed (best-fit);
 * among empty hosts the largest, as binpack. Hosts in use score in [0.5, 1], empty ones in [0.25, 0.5).
 * Batch breaks GPU fragmentation's ties with it: on openb's Monte-Carlo workload, best-fit among the
 * hosts in use allocated more cpu than binpack's most allocated did (BENCHMARKS.md, section 4).
 */
export const bestFit: ScoreRule = {
  name: "best-fit",
  description:
    "hosts in use first, the least left over once placed (free cpu and GPUs as shares of the most any host of the view has, FGD's simulator's best-fit) in 0.5..1; then empty hosts, the largest first, in 0.25..0.5",
  range: [0, 1],
  packs: true,
  score: (host, request, context) =>
    inUse(host)
      ? // Within 0..1 even for a host outside the view or one the request does not fit (never scored so).
        0.5 + (1 - Math.min(1, Math.max(0, leftover(host, request, largestOf(context.hosts))))) / 2
      : emptyHostScore(host, request),
};
