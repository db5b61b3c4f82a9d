import { WHOLE } from "./gpus.js";
import { gpuShares, type Host, reserved } from "./host.js";
import { added, amounts, countersView, RESOURCES } from "./resources.js";

/** `GET /v1/cluster`: hosts by status, capacity, reservations, and utilisation (reserved over total, all hosts). */
export function clusterSummary(hosts: readonly Host[]) {
  const byStatus = { ready: 0, draining: 0, down: 0 };
  const total = amounts();
  let taken = amounts();
  let placements = 0;
  const gpus = { total: 0, reserved: 0 };
  for (const host of hosts) {
    gpus.total += host.gpus?.count ?? 0;
    for (const share of gpuShares(host)) gpus.reserved += share;
    byStatus[host.status]++;
    for (const { name } of RESOURCES) total[name] += host.total[name] ?? 0;
    taken = added(taken, reserved(host));
    placements += host.placements.length;
  }
  const utilisation = amounts();
  for (const { name } of RESOURCES) utilisation[name] = total[name] === 0 ? 0 : taken[name] / total[name];
  return {
    hosts: { total: hosts.length, ...byStatus },
    placements,
    ...countersView(total, "total_"),
    ...countersView(taken, "reserved_"),
    total_gpus: gpus.total,
    reserved_gpus: gpus.reserved / WHOLE,
    utilisation,
  };
}
