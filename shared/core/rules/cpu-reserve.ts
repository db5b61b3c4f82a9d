import { askedGpu, WHOLE } from "../gpus.js";
import { freeGpu, type Host } from "../host.js";
import type { Workload } from "./fragmentation.js";
import { anyGpus } from "./per-view.js";
import type { ScoreRule } from "./registry.js";

// A GPU job needs cpu beside its GPUs on the same host, and on openb's hosts cpu is scarce where most
// GPUs are: the 549 hosts of 8 G2 devices and 96 CPUs (70% of the GPUs) have 12 CPUs a device, and the
// trace's GPU jobs ask 10.9 a device, 16 for the commonest. A cpu-only job, or a GPU job asking more cpu
// a device than that, that takes such a host's cpu strands its GPUs; FGD counts them only once the cpu
// left is below what a typical job asks there, too late to steer the jobs before. This rule keeps a
// reserve: each free GPU is owed the workload's cpu a device, and a host scores by how much its
// shortfall (the owed cpu it lacks) grows with the request on it. The jobs that would eat such hosts'
// cpu go where cpu is spare (openb's hosts of 2 T4 devices and 104 CPUs, the cpu-only hosts).

/**
 * A host's value is 0.5 − the growth of its shortfall / SCALE (milli-cpu): 16 CPUs of growth take it to
 * 0, 16 of shrinking to 1. At batch's weight of 0.5, a growth of 1 CPU outweighs one and a half steps of
 * GPU fragmentation, and 2 CPUs a host being in use.
 */
const SCALE = 32_000;

/**
 * The cpu a free GPU is owed (milli-cpu a whole device): the cpu a device the workload's GPU tasks ask,
 * while the view's free cpu covers what the whole workload, cpu-only tasks included, asks for its free
 * GPUs (hosts of unknown capacity, and those not ready, left out); 0 once it does not, or when the
 * workload has no GPU task. Where cpu runs short for the workload anyway every CPU counts, and a reserve
 * would only strand it: on openb's variant whose cpu-only tasks ask half of the cpu, a reserve kept
 * throughout allocated 96.50% of the cpu against 97.16% (5 seeds), and the replay's peak was 17 hosts
 * against 7. Reading the free cpu and GPUs of the workload's sample of hosts (about 64) instead of the
 * whole view allocated 97.04% there.
 */
export function owedCpu(hosts: readonly Host[], workload: Workload): number {
  let asked = 0;
  let gpuTasksCpu = 0;
  let gpus = 0;
  for (const { shape, share } of workload) {
    asked += share * shape.cpuMilli;
    if (shape.gpus === 0) continue;
    gpuTasksCpu += share * shape.cpuMilli;
    gpus += (share * shape.gpus * shape.gpuMilli) / WHOLE;
  }
  if (gpus === 0) return 0;
  let freeCpu = 0;
  let free = 0;
  for (const host of hosts) {
    // A host not yet measured has no free cpu, and a draining one takes nothing: their GPUs owe nothing.
    if (host.status !== "ready" || host.total.cpu === null) continue;
    freeCpu += Math.max(0, host.freeCpu);
    free += freeGpu(host);
  }
  return freeCpu >= ((asked / gpus) * free) / WHOLE ? gpuTasksCpu / gpus : 0;
}

/** The owed cpu a host lacks with `gpus` (thousandths) and `cpu` free. */
function shortfall(gpus: number, cpu: number, owed: number): number {
  return Math.max(0, (gpus * owed) / WHOLE - cpu);
}

/**
 * Cpu for the GPUs: 0.5 − the growth of the host's shortfall / SCALE, within 0..1; 0.5 for a host
 * without GPUs, or while the reserve is off (see owedCpu).
 */
export const cpuReserve: ScoreRule = {
  name: "cpu-reserve",
  description: `how little the request cuts into the cpu its host's free GPUs are owed (each the cpu a device the workload's GPU jobs ask, while the view's free cpu covers the workload's): 0.5 − the growth of the owed cpu the host lacks / ${SCALE / 1000} CPUs, within 0..1; 0.5 for a host without GPUs`,
  range: [0, 1],
  uses: (_, hosts) => anyGpus(hosts),
  score(host, request, context) {
    if (host.gpus === null) return 0.5;
    const owed = context.owedCpu();
    if (owed === 0) return 0.5;
    // The host's free GPU once, not per shortfall: this runs for every host a decision scores.
    const gpus = freeGpu(host);
    const after = shortfall(gpus - askedGpu(request.gpus), host.freeCpu - request.amounts.cpu, owed);
    const growth = after - shortfall(gpus, host.freeCpu, owed);
    return Math.min(1, Math.max(0, 0.5 - growth / SCALE));
  },
};
