import { mapConcurrently, withTimeout } from "./concurrency.js";
import { type Engines, failureOf } from "./engine.js";
import { duplicateReason, EngineOwners } from "./engine-owners.js";
import { groupBy } from "./group-by.js";
import type { Host } from "./host.js";
import type { HostChanges } from "./host-changes.js";
import { type Observation, observe, type Probe, type RefreshSettings } from "./observe.js";
import type { ProfileStore, UsageSample } from "./profile.js";
import { HostNotFoundError, type Registry, RegistryUnavailableError } from "./registry.js";

export interface RefreshDependencies {
  registry: Registry;
  engines: Engines;
  profiles: ProfileStore;
  settings: RefreshSettings;
  now: () => Date;
  /**
   * How much of the round's time is left, in ms: a Lambda's remaining time less a margin in AWS, a
   * configured budget locally. Unbounded when absent.
   */
  remainingMs?: () => number;
  /** In [0, 1): which rounds sweep a host (SWEEP_EVERY_ROUNDS). Math.random when absent. */
  random?: () => number;
}

/**
 * A host's leftovers of failed commits are swept (Registry.sweep) in one round in this many, at random:
 * a sweep reads every placement of the host, which a round need not pay for each host each minute.
 */
export const SWEEP_EVERY_ROUNDS = 60;

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
  /** Hosts not probed because the round's time ran low; they come first in the next round. */
  skipped: number;
  ms: number;
  results: HostRefresh[];
}

/** The time a round keeps for writing what its last probes found. */
export const RESULTS_RESERVE_MS = 2000;

/**
 * The shortest deadline a probe starts with (or the whole timeout, if shorter): a probe gets its whole
 * timeout when the round's remaining time holds it, and what is left otherwise, down to this. A shorter
 * one could fail an engine that is only slow; a router's refresh (a 20 s budget) still probes with
 * what it has rather than nothing under the default 20 s timeout.
 */
export const SHORTEST_PROBE_MS = 5000;

/**
 * Refreshes every host: probes the engines concurrently (bounded, each under a deadline that closes its
 * connections, so a dead host delays no other), then judges each host against a read of it made after
 * its probe, so that every container the probe saw belongs to a placement that read holds. One host's
 * failure, its engine's or its write's, is that host's result and never the round's. Hosts are probed
 * least recently probed first (never probed first), each under its timeout or what the round has left
 * (SHORTEST_PROBE_MS), and none starts once that is shorter: the hosts left come first next round. The usage samples of all hosts are added to each
 * image's profile once, at the end (many hosts run the same image: one write per image).
 */
export async function refreshCluster(deps: RefreshDependencies): Promise<RefreshReport> {
  return refreshHosts(await deps.registry.listHosts(), deps);
}

/**
 * Refreshes the hosts given, as refreshCluster refreshes all (one shard of a fan-out round, fan-out.ts):
 * one engine is one host among these hosts (EngineOwners), and each image's profile gets one write.
 */
export async function refreshHosts(listed: Host[], deps: RefreshDependencies): Promise<RefreshReport> {
  const started = performance.now();
  const remainingMs = deps.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const hosts = leastRecentlyProbedFirst(listed);
  const owners = new EngineOwners(hosts);
  const samples: UsageSample[] = [];
  let skipped = 0;
  const { timeoutMs } = deps.settings;
  const results = await mapConcurrently(hosts, deps.settings.concurrency, async (host) => {
    const deadlineMs = Math.min(timeoutMs, remainingMs() - RESULTS_RESERVE_MS);
    if (deadlineMs < Math.min(timeoutMs, SHORTEST_PROBE_MS)) {
      skipped++;
      return undefined;
    }
    const began = performance.now();
    return refreshHost(host, deps, owners, samples, deadlineMs).catch((error: unknown) =>
      unrecorded(host, error, began),
    );
  });
  for (const [image, ofImage] of groupBy(samples, (sample) => sample.image)) {
    // A profile is statistics: samples it could not take this round (a throttled table) are no reason to
    // fail a round whose host writes have all landed; the next round samples again.
    await deps.profiles.record(image, ofImage, deps.now()).catch(() => undefined);
  }
  const refreshed = results
    .filter((result): result is HostRefresh => result !== undefined)
    .map((result) => (owners.displaced.has(result.id) ? { ...result, status: "down" as const } : result));
  return {
    hosts: refreshed.length,
    answered: refreshed.filter((result) => result.ok).length,
    down: refreshed.filter((result) => result.status === "down").length,
    released: refreshed.reduce((total, result) => total + result.released, 0),
    skipped,
    ms: Math.round(performance.now() - started),
    results: refreshed,
  };
}

/** Probes, judges and records one host; its usage samples are added to `samples`. */
async function refreshHost(
  host: Host,
  deps: RefreshDependencies,
  owners: EngineOwners,
  samples: UsageSample[],
  deadlineMs: number,
): Promise<HostRefresh | undefined> {
  const started = performance.now();
  const probe = await probeEngine(host, deps.engines, deadlineMs);
  // Who owns the engine depends on registration order alone: the host as listed will do.
  const engine = probe.ok ? owners.claim(host, probe.report.id) : undefined;
  const now = deps.now();
  // Judged on the host as the registry reads it on each attempt of the write, so that a change made since
  // (an operator's draining) is judged too, never overwritten; the observation that landed is the last one.
  let observation: Observation = { changes: {}, releases: [], samples: [] };
  let changed: Host;
  try {
    changed = await deps.registry.changeHost(
      host.id,
      (current) => {
        observation = observe(current, probe, deps.settings, now, engine?.owner);
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
  if ((deps.random ?? Math.random)() * SWEEP_EVERY_ROUNDS < 1) await deps.registry.sweep(changed, now);
  samples.push(...observation.samples);
  for (const later of engine?.displaces ?? []) await displace(later, host.id, owners, deps);
  return {
    id: host.id,
    status: changed.status,
    ok: probe.ok,
    ...(!probe.ok && { error: probe.error }),
    released: observation.releases.length,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * Marks down a host judged earlier in the round, whose engine an earlier registered host reported since;
 * a failure to write it is left to the next round (which reads both engine IDs stored).
 */
async function displace(later: Host, owner: string, owners: EngineOwners, deps: RefreshDependencies) {
  if (later.status === "draining") return;
  // Judged on the host as written, as every refresh change: an operator's draining set meanwhile stays.
  const changes = (current: Host): HostChanges =>
    current.status === "draining"
      ? { observed: true }
      : { observed: true, status: "down", statusReason: duplicateReason(owner) };
  try {
    const written = await deps.registry.changeHost(later.id, changes, deps.now());
    if (written.status === "down") owners.displaced.add(later.id);
  } catch {
    // the next round
  }
}

/**
 * Reads one engine under a deadline: its signal closes the calls' connections when `timeoutMs` passes,
 * and the wait stops then even if an Engines implementation ignored it.
 */
async function probeEngine(host: Host, engines: Engines, timeoutMs: number): Promise<Probe> {
  try {
    const report = await withTimeout(engines.read(host, AbortSignal.timeout(timeoutMs)), timeoutMs);
    return { ok: true, report };
  } catch (error) {
    return { ok: false, error: failureOf(error) };
  }
}

/** A host whose refresh could not be recorded (the registry failed): reported, and probed first next round. */
function unrecorded(host: Host, error: unknown, began: number): HostRefresh {
  return {
    id: host.id,
    status: host.status,
    ok: false,
    error: error instanceof RegistryUnavailableError ? "not recorded: registry unavailable" : "not recorded",
    released: 0,
    ms: Math.round(performance.now() - began),
  };
}

/** Hosts by the time of their last probe, never probed first: those a round did not reach come first next. */
export function leastRecentlyProbedFirst(hosts: readonly Host[]): Host[] {
  const at = (host: Host) => host.health.lastProbeAt ?? "";
  return [...hosts].sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0));
}
