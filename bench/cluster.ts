import { type Host, newHost } from "../shared/core/host.js";
import { summaryOf } from "../shared/core/placement.js";
import type { ContainerRequest } from "../shared/core/request.js";
import { added, amounts, freeCounters, freeOf } from "../shared/core/resources.js";
import { placement } from "../test/support/fixtures.js";

const NOW = new Date("2026-11-25T00:00:00.000Z");
const IMAGES = Array.from({ length: 50 }, (_, index) => `example/app-${index}:1`);

/** `count` hosts of 32 CPUs and 128 GiB, filled to about half with placements of 50 images. */
export function syntheticCluster(count: number, random: () => number): Host[] {
  return Array.from({ length: count }, (_, index) => {
    const host = newHost(
      {
        addr: `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}:2375`,
        id: `h${index}`,
        total_cpus: 32_000,
        total_memory: 131_072,
      },
      NOW,
    );
    const placements = Array.from({ length: Math.floor(random() * 12) }, () =>
      placement(
        host.id,
        1000 + Math.floor(random() * 3) * 500,
        4096,
        IMAGES[Math.floor(random() * IMAGES.length)] ?? "x",
      ),
    );
    const cpu = placements.reduce((sum, placement) => sum + placement.amounts.cpu, 0);
    return {
      ...host,
      ...freeCounters(added(freeOf(host), amounts({ cpu, memory: placements.length * 4096 }), -1)),
      placements: placements.map(summaryOf),
    };
  });
}

/** A request of the mixed stream the engine bench decides. */
export function syntheticRequest(type: string, random: () => number): ContainerRequest {
  return {
    image: IMAGES[Math.floor(random() * IMAGES.length)] ?? "x",
    amounts: amounts({
      cpu: 250 * (1 + Math.floor(random() * 8)),
      memory: 512 * (1 + Math.floor(random() * 8)),
    }),
    type,
    constraints: [],
    labels: {},
  };
}

/** Host `index` of a simulated cluster: 64 CPUs and 256 GiB, ready, empty. */
export function simulatedHost(index: number, at: Date): Host {
  return newHost(
    {
      addr: `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}:2375`,
      id: `h${index}`,
      total_cpus: 64_000,
      total_memory: 262_144,
    },
    at,
  );
}
