import { type ContainerReport, type EngineReport, isAlive } from "./engine.js";
import { duplicateReason } from "./engine-owners.js";
import { groupBy } from "./group-by.js";
import type { EngineState, Host, HostEvent, Usage } from "./host.js";
import type { HostChanges } from "./host-changes.js";
import type { UsageSample } from "./profile.js";
import { detectedTotals } from "./resources.js";
import { toCpus } from "./units.js";
import { keptVolumes } from "./volumes.js";

// What a refresh makes of one host's probe (pure: no I/O); refresh.ts runs the rounds that probe the
// hosts and write what this judges.

/** How a refresh judges hosts. */
export interface RefreshSettings {
  /** Consecutive failed probes after which a ready host is marked down. */
  downAfter: number;
  /** How long a placement may wait for its container to run before it is released. */
  graceMs: number;
  /** How long one host's probe may take (every call to its engine included; the sockets close then). */
  timeoutMs: number;
  /** How many hosts are probed at once. */
  concurrency: number;
}

/**
 * What a probe of one host's engine gave: its report, or why there is none (one of Citadel's own
 * phrases, see EngineFailure: never text the engine sent).
 */
export type Probe = { ok: true; report: EngineReport } | { ok: false; error: string };

/** What a refresh does to one host: the change to write, the placements to release, the samples taken. */
export interface Observation {
  changes: HostChanges;
  releases: string[];
  samples: UsageSample[];
}

/**
 * Judges one host from a probe (pure): health and status, capacity (declared totals stay, detected ones
 * fill the rest), reconciliation of placements against containers, unmanaged use, and live use.
 * `duplicateOf` names the host registered first whose engine this one's is too: then this host goes
 * down and is judged no further (its engine is that host's).
 */
export function observe(
  host: Host,
  probe: Probe,
  settings: RefreshSettings,
  now: Date,
  duplicateOf?: string,
): Observation {
  const at = now.toISOString();
  if (probe.ok && duplicateOf !== undefined) {
    return {
      changes: {
        observed: true,
        health: { failures: 0, lastProbeAt: at, lastError: null },
        ...(host.status === "ready" && {
          status: "down",
          statusReason: duplicateReason(duplicateOf),
        }),
      },
      releases: [],
      samples: [],
    };
  }
  if (!probe.ok) {
    const failures = host.health.failures + 1;
    const goesDown = host.status === "ready" && failures >= settings.downAfter;
    return {
      changes: {
        observed: true,
        health: { failures, lastProbeAt: at, lastError: probe.error },
        ...(goesDown && {
          status: "down",
          statusReason: `no answer from its Docker engine in ${failures} probes: ${probe.error}`,
        }),
      },
      releases: [],
      samples: [],
    };
  }

  const { report } = probe;
  const events: HostEvent[] = [];
  if (host.engine?.cpuMilli !== report.cpuMilli || host.engine?.memory !== report.memory) {
    events.push({
      at,
      action: "detected",
      detail: `Docker ${report.version}: ${toCpus(report.cpuMilli)} cpus, ${report.memory} MiB`,
    });
  }
  const releases: string[] = [];
  const samples: UsageSample[] = [];
  const used: Usage = { cpuMilli: 0, memory: 0 };
  const byPlacement = groupBy(report.containers, (container) => container.placementId);
  for (const placement of host.placements) {
    const containers = byPlacement.get(placement.id) ?? [];
    const alive = containers.find((container) => isAlive(container.state));
    if (alive) {
      if (alive.usage) {
        used.cpuMilli += alive.usage.cpuMilli;
        used.memory += alive.usage.memory;
        // The image as the engine lists it: the placement's own in run mode (hosts' records keep only
        // its tag); an image re-tagged since the container was created is listed by its id.
        samples.push({
          image: alive.image,
          requested: { cpuMilli: placement.amounts.cpu, memory: placement.amounts.memory },
          used: alive.usage,
        });
      }
      continue;
    }
    const ended = containers.find((container) => container.state === "exited" || container.state === "dead");
    const age = now.getTime() - Date.parse(placement.createdAt);
    if (ended) {
      releases.push(placement.id);
      events.push({
        at,
        action: "released",
        detail: `${placement.id}: container ${ended.id.slice(0, 12)} ${ended.state} (exit code ${ended.exitCode})`,
      });
    } else if (age > settings.graceMs) {
      releases.push(placement.id);
      events.push({
        at,
        action: "released",
        detail: `${placement.id}: no container ran within ${settings.graceMs / 1000} s`,
      });
    }
  }

  const placed = new Set(host.placements.map((placement) => placement.id));
  const foreign = report.containers.filter(
    (container) => isAlive(container.state) && !(container.placementId && placed.has(container.placementId)),
  );
  const unmanaged = { containers: foreign.length, ...claimed(foreign) };
  // The host ports they publish are taken as placements' are (kept sorted: a change is a new set).
  const unmanagedPorts = [...new Set(foreign.flatMap((container) => container.ports))].sort();
  if (unmanaged.containers !== (host.engine?.unmanaged.containers ?? 0)) {
    events.push({
      at,
      action: "unmanaged",
      detail: `${unmanaged.containers} running container(s) not placed by Citadel count as used: ${toCpus(unmanaged.cpuMilli)} cpus, ${unmanaged.memory} MiB`,
    });
  }
  const engine: EngineState = {
    id: report.id,
    version: report.version,
    cpuMilli: report.cpuMilli,
    memory: report.memory,
    unmanaged,
    used,
    observedAt: at,
  };
  return {
    changes: {
      observed: true,
      engine,
      total: detectedTotals(host.declared, report),
      unmanagedPorts,
      volumes: keptVolumes(report.volumes),
      health: { failures: 0, lastProbeAt: at, lastError: null },
      ...(host.status === "down" && { status: "ready", statusReason: "its Docker engine answers again" }),
      events,
    },
    releases,
    samples,
  };
}

/** What containers Citadel did not place take: their limits, or what they use where they have none. */
function claimed(containers: ContainerReport[]): Usage {
  let cpuMilli = 0;
  let memory = 0;
  for (const container of containers) {
    cpuMilli += container.limits.cpuMilli || (container.usage?.cpuMilli ?? 0);
    memory += container.limits.memory || (container.usage?.memory ?? 0);
  }
  return { cpuMilli, memory };
}
