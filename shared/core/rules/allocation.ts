import type { Host } from "../host.js";
import type { ContainerRequest } from "../request.js";

/**
 * How full the host would be with the request on it: the mean over cpu and memory of
 * (reserved + requested) / total, in (0, 1] for a host that fits (Citadel 2014's binpack score).
 */
export function allocationAfter(host: Host, request: ContainerRequest): number {
  const totalCpu = host.total.cpu ?? 0;
  const totalMemory = host.total.memory ?? 0;
  if (totalCpu <= 0 || totalMemory <= 0) return 1;
  const cpu = (totalCpu - host.freeCpu + request.amounts.cpu) / totalCpu;
  const memory = (totalMemory - host.freeMemory + request.amounts.memory) / totalMemory;
  return (cpu + memory) / 2;
}

/**
 * An empty host's score in the packing rules (binpack, best-fit): the largest first, the least allocated
 * once the request is on it, in 0.25..0.5, below the hosts in use.
 */
export function emptyHostScore(host: Host, request: ContainerRequest): number {
  return 0.25 + (1 - allocationAfter(host, request)) / 4;
}
