import { EngineError, type Engines } from "../../shared/core/engine.js";
import { type EngineState, type Host, type HostHealth, newHost } from "../../shared/core/host.js";
import { newPlacementId, type Placement } from "../../shared/core/placement.js";
import type { Registry } from "../../shared/core/registry.js";
import { amounts } from "../../shared/core/resources.js";
import { type SchedulerType, schedulerType } from "../../shared/core/schedulers.js";

export const NOW = new Date("2026-11-25T12:00:00.000Z");

const addresses = new Map<string, string>();

/**
 * A loopback address of its own for each host id, in 127.1.0.0/16 where nothing listens: tests
 * register no other address, and a refresh that probed one would reach nothing but this machine.
 */
export function loopbackOf(id: string): string {
  let addr = addresses.get(id);
  if (addr === undefined) {
    const n = addresses.size;
    addr = `127.1.${Math.floor(n / 250)}.${1 + (n % 250)}:2375`;
    addresses.set(id, addr);
  }
  return addr;
}

/** A ready host with declared capacity (cpus in CPUs, memory in MiB), at its loopback address. */
export function host(id: string, cpus: number, memory: number, labels: Record<string, string> = {}): Host {
  return newHost({ addr: loopbackOf(id), id, labels, total_cpus: cpus * 1000, total_memory: memory }, NOW);
}

/**
 * What a refresh observes of a healthy engine of 4 CPUs and 8 GiB at `at`: its state (nothing unmanaged,
 * nothing used, unless `extra` says) and the host's health.
 */
export function observed(
  at: Date,
  extra: Partial<EngineState> = {},
): { engine: EngineState; health: HostHealth } {
  return {
    engine: {
      id: "E:1",
      version: "26.1.5",
      cpuMilli: 4000,
      memory: 8192,
      unmanaged: { cpuMilli: 0, memory: 0, containers: 0 },
      used: { cpuMilli: 0, memory: 0 },
      observedAt: at.toISOString(),
      ...extra,
    },
    health: { failures: 0, lastProbeAt: at.toISOString(), lastError: null },
  };
}

/** A placement of `image` on a host, not yet committed. */
export function placement(hostId: string, cpuMilli: number, memory: number, image = "redis:7"): Placement {
  return {
    id: newPlacementId(hostId, NOW),
    hostId,
    image,
    amounts: amounts({ cpu: cpuMilli, memory }),
    scheduler: "service",
    createdAt: NOW.toISOString(),
    container: { image, cpus: String(cpuMilli / 1000), memory, type: "service" },
  };
}

/** A registered scheduler type, or a failed test. */
export function scheduler(type: string): SchedulerType {
  const found = schedulerType(type);
  if (!found) throw new Error(`no scheduler type ${type}`);
  return found;
}

/** Engines for tests that reach no Docker engine: every call fails as an unreachable host would. */
export const noEngines: Engines = {
  read: async () => Promise.reject(new EngineError("refused")),
  run: async () => Promise.reject(new EngineError("refused")),
  find: async () => Promise.reject(new EngineError("refused")),
};

/** A registry's host reads over `hosts` as they are at each read (slices by position). */
export function fixedHosts(hosts: Host[]): Pick<Registry, "listHosts" | "sliceHosts"> {
  return {
    listHosts: async () => hosts,
    sliceHosts: async (slice, slices) => hosts.filter((_, index) => index % slices === slice),
  };
}
