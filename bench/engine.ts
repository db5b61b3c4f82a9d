import { feasibleEnough, filterHosts, selectHost } from "../shared/core/pipeline.js";
import { ReplicaIndex } from "../shared/core/replica-index.js";
import { DEFAULT_SCHEDULER_TYPES } from "../shared/core/schedulers.js";
import { scoring } from "../shared/core/scoring.js";
import { seededRandom } from "../test/support/random.js";
import { syntheticCluster, syntheticRequest } from "./cluster.js";

export interface EngineResult {
  type: string;
  hosts: number;
  decisions: number;
  perSecond: number;
  p50Micros: number;
  p99Micros: number;
}

/** Rounds per measurement: the best is reported, since a noisy machine only ever slows a round down. */
const ROUNDS = 3;

/**
 * Decisions per second of filter → score → select, in process, no I/O, on one core: the best of
 * `ROUNDS` rounds sharing `seconds`, with that round's latency percentiles.
 */
export function benchEngine(hostCounts: number[], seconds: number, sampled: boolean): EngineResult[] {
  const results: EngineResult[] = [];
  for (const hosts of hostCounts) {
    const random = seededRandom(hosts);
    const cluster = syntheticCluster(hosts, random);
    const index = new ReplicaIndex(cluster);
    for (const scheduler of DEFAULT_SCHEDULER_TYPES) {
      let best: EngineResult | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        const latencies: number[] = [];
        const started = performance.now();
        const deadline = started + (seconds * 1000) / ROUNDS;
        while (performance.now() < deadline) {
          const request = syntheticRequest(scheduler.type, random);
          const begin = performance.now();
          const { feasible } = filterHosts(
            cluster,
            request,
            sampled ? { limit: feasibleEnough(hosts), random } : undefined,
          );
          const { score } = scoring(scheduler, request, {
            hosts: cluster,
            replicas: index.of(request.image),
          });
          selectHost(feasible, score, { nearBest: 1, random });
          latencies.push(performance.now() - begin);
        }
        const perSecond = Math.round(latencies.length / ((performance.now() - started) / 1000));
        if (best && best.perSecond >= perSecond) continue;
        latencies.sort((a, b) => a - b);
        const at = (share: number) =>
          (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * share))] ?? 0) * 1000;
        best = {
          type: scheduler.type,
          hosts,
          decisions: latencies.length,
          perSecond,
          p50Micros: Math.round(at(0.5)),
          p99Micros: Math.round(at(0.99)),
        };
      }
      if (best) results.push(best);
    }
  }
  return results;
}
