import { type ContainerReport, type EngineReport, type Engines, isAlive } from "./engine.js";
import type { EngineState, Host, HostChanges, HostEvent, Usage } from "./host.js";
import type { ProfileStore, UsageSample } from "./profile.js";
import { HostNotFoundError, type Registry } from "./registry.js";
import { toCpus } from "./units.js";

/** How a refresh judges hosts. */
export interface RefreshSettings {
  /** Consecutive failed probes after which a ready host is marked down. */
  downAfter: number;
  /** How long a placement may wait for its container to run before it is released. */
  graceMs: number;
  /** How long one host's probe may take. */
  timeoutMs: number;
  /** How many hosts are probed at once. */
  concurrency: number;
}

/** What a probe of one host's engine gave: its report, or why there is none. */
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
 */
export function observe(host: Host, probe: Probe, settings: RefreshSettings, now: Date): Observation {
  const at = now.toISOString();
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
        samples.push({
          image: placement.image,
          requested: { cpuMilli: placement.cpuMilli, memory: placement.memory },
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
  if (unmanaged.containers !== (host.engine?.unmanaged.containers ?? 0)) {
    events.push({
      at,
      action: "unmanaged",
      detail: `${unmanaged.containers} running container(s) not placed by Citadel count as used: ${toCpus(unmanaged.cpuMilli)} cpus, ${unmanaged.memory} MiB`,
    });
  }
  const engine: EngineState = {
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
      totalCpuMilli: host.declaredCpuMilli ?? report.cpuMilli,
      totalMemory: host.declaredMemory ?? report.memory,
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

export interface RefreshDependencies {
  registry: Registry;
  engines: Engines;
  profiles: ProfileStore;
  settings: RefreshSettings;
  now: () => Date;
}

/** One host's refresh, as reported. */
export interface HostRefresh {
  id: string;
  status: Host["status"];
  ok: boolean;
  error?: string;
  released: number;
  ms: number;
}

export interface RefreshReport {
  hosts: number;
  answered: number;
  down: number;
  released: number;
  ms: number;
  results: HostRefresh[];
}

/**
 * Refreshes every host: probes the engines concurrently (bounded, each under a timeout, so a dead host
 * delays no other), then judges each host against a read of it made after its probe, so that every
 * container the probe saw belongs to a placement that read holds. The usage samples of all hosts are
 * added to each image's profile once, at the end (many hosts run the same image: one write, no race).
 */
export async function refreshCluster(deps: RefreshDependencies): Promise<RefreshReport> {
  const started = performance.now();
  const hosts = await deps.registry.listHosts();
  const samples: UsageSample[] = [];
  const results = await mapConcurrently(hosts, deps.settings.concurrency, (host) =>
    refreshHost(host, deps, samples),
  );
  for (const [image, ofImage] of groupBy(samples, (sample) => sample.image)) {
    await deps.profiles.record(image, ofImage, deps.now());
  }
  const refreshed = results.filter((result): result is HostRefresh => result !== undefined);
  return {
    hosts: refreshed.length,
    answered: refreshed.filter((result) => result.ok).length,
    down: refreshed.filter((result) => result.status === "down").length,
    released: refreshed.reduce((total, result) => total + result.released, 0),
    ms: Math.round(performance.now() - started),
    results: refreshed,
  };
}

/** Probes, judges and records one host; its usage samples are added to `samples`. */
async function refreshHost(
  host: Host,
  deps: RefreshDependencies,
  samples: UsageSample[],
): Promise<HostRefresh | undefined> {
  const started = performance.now();
  const probe = await withTimeout(deps.engines.read(host), deps.settings.timeoutMs).then(
    (report): Probe => ({ ok: true, report }),
    (error: unknown): Probe => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
  const now = deps.now();
  // Judged on the host as the registry reads it on each attempt of the write, so that a change made since
  // (an operator's draining) is judged too, never overwritten; the observation that landed is the last one.
  let observation: Observation = { changes: {}, releases: [], samples: [] };
  let changed: Host;
  try {
    changed = await deps.registry.changeHost(
      host.id,
      (current) => {
        observation = observe(current, probe, deps.settings, now);
        return observation.changes;
      },
      now,
    );
  } catch (error) {
    if (error instanceof HostNotFoundError) return undefined; // removed meanwhile
    throw error;
  }
  // After the write that recorded why (releasing twice is harmless, should a client release meanwhile).
  for (const id of observation.releases) await deps.registry.release(id);
  samples.push(...observation.samples);
  return {
    id: host.id,
    status: changed.status,
    ok: probe.ok,
    ...(!probe.ok && { error: probe.error }),
    released: observation.releases.length,
    ms: Math.round(performance.now() - started),
  };
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

/** Rejects when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Maps with at most `limit` calls in flight. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
