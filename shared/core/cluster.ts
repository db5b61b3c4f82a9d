import { type Host, reservedCpuMilli, reservedMemory } from "./host.js";
import { toCpus } from "./units.js";

/** `GET /v1/cluster`: hosts by status, capacity, reservations, and utilisation (reserved over total, all hosts). */
export function clusterSummary(hosts: readonly Host[]) {
  const byStatus = { ready: 0, draining: 0, down: 0 };
  let totalCpu = 0;
  let totalMemory = 0;
  let reservedCpu = 0;
  let reservedMem = 0;
  let placements = 0;
  for (const host of hosts) {
    byStatus[host.status]++;
    totalCpu += host.totalCpuMilli ?? 0;
    totalMemory += host.totalMemory ?? 0;
    reservedCpu += reservedCpuMilli(host);
    reservedMem += reservedMemory(host);
    placements += host.placements.length;
  }
  return {
    hosts: { total: hosts.length, ...byStatus },
    placements,
    total_cpus: toCpus(totalCpu),
    total_memory: totalMemory,
    reserved_cpus: toCpus(reservedCpu),
    reserved_memory: reservedMem,
    utilisation: {
      cpu: totalCpu === 0 ? 0 : reservedCpu / totalCpu,
      memory: totalMemory === 0 ? 0 : reservedMem / totalMemory,
    },
  };
}
