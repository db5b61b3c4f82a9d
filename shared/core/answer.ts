import type { Host } from "./host.js";
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

export type PlacementAnswer = ReturnType<typeof placementAnswer>;
