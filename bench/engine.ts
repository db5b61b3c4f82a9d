import { feasibleEnough, filterHosts, selectHost } from "../shared/core/pipeline.js";
import { ReplicaIndex } from "../shared/core/replica-index.js";
import { SCHEDULER_TYPES } from "../shared/core/schedulers.js";
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

/** Decisions per second of filter → score → select, in process, no I/O, on one core. */
export function benchEngine(hostCounts: number[], seconds: number, sampled: boolean): EngineResult[] {
  const results: EngineResult[] = [];
  for (const hosts of hostCounts) {
    const random = seededRandom(hosts);
    const cluster = syntheticCluster(hosts, random);
    const index = new ReplicaIndex(cluster);
    for (const scheduler of SCHEDULER_TYPES) {
      const latencies: number[] = [];
      const deadline = performance.now() + seconds * 1000;
      const started = performance.now();
      while (performance.now() < deadline) {
        const request = syntheticRequest(scheduler.type, random);
        const begin = performance.now();
        const { feasible } = filterHosts(
          cluster,
          request,
          sampled ? { limit: feasibleEnough(hosts), random } : undefined,
        );
        selectHost(feasible, request, scheduler.score, {
          nearBest: 1,
          random,
          replicas: index.of(request.image),
        });
        latencies.push(performance.now() - begin);
      }
      const elapsed = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      const at = (share: number) =>
        (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * share))] ?? 0) * 1000;
      results.push({
        type: scheduler.type,
        hosts,
        decisions: latencies.length,
        perSecond: Math.round(latencies.length / elapsed),
        p50Micros: Math.round(at(0.5)),
        p99Micros: Math.round(at(0.99)),
      });
    }
  }
  return results;
}
