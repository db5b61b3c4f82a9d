import type { Host } from "./host.js";
import { describeReasons } from "./pipeline.js";
import { type Placement, placementView } from "./placement.js";
import { toCpus } from "./units.js";

/** The seed's answer: the container as sent, the host it goes to, and the placement record. */
export function placementAnswer(host: Host, placement: Placement) {
  return {
    container: placement.container,
    resource: {
      id: host.id,
      addr: host.addr,
      total_cpus: host.totalCpuMilli === null ? null : toCpus(host.totalCpuMilli),
      total_memory: host.totalMemory,
    },
    placement: placementView(placement),
  };
}

/** No host can take the request: how many hosts failed on which filter. */
export function unschedulableAnswer(hosts: number, reasons: Record<string, number>) {
  return { error: "unschedulable", message: describeReasons(hosts, reasons), hosts, reasons };
}

/** Every commit attempt failed under contention. */
export function contentionAnswer(attempts: number) {
  return {
    error: "contention",
    message: `no commit succeeded in ${attempts} attempts under contention; retry`,
  };
}
