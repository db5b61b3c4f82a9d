import type { placementAnswer } from "../shared/core/answer.js";
import type { candidatesAnswer } from "../shared/core/candidates.js";
import type { clusterSummary } from "../shared/core/cluster.js";
import type { RoundReport } from "../shared/core/fan-out.js";
import type { hostDetailView, hostView } from "../shared/core/host-view.js";
import type { profileView } from "../shared/core/profile.js";
import type { ApiError } from "./exit.js";
import { type Cell, labelText, percent, table } from "./table.js";

// The API's bodies, typed by the functions that make them: a change of a view is a type error here.
export type PlacementBody = ReturnType<typeof placementAnswer>;
export type CandidatesBody = ReturnType<typeof candidatesAnswer>;
export type HostBody = ReturnType<typeof hostView>;
export type HostDetailBody = ReturnType<typeof hostDetailView>;
export type ClusterBody = ReturnType<typeof clusterSummary>;
export type ProfileBody = ReturnType<typeof profileView>;
export type RefreshBody = RoundReport;

/** One placement, as a list of fields. */
export function placementFields({ resource, placement }: PlacementBody): string {
  return table([
    ["ID", placement.id],
    ["HOST", `${resource.id} (${resource.addr})`],
    ["IMAGE", placement.image],
    ["TYPE", placement.scheduler],
    ["CPUS", placement.cpus],
    ["MEMORY", `${placement.memory} MiB`],
    ["CREATED", placement.created_at],
  ]);
}

/** Placements, one a row. */
export function placementsTable(placements: readonly PlacementBody[]): string {
  return table([
    ["ID", "HOST", "IMAGE", "TYPE", "CPUS", "MEMORY", "CREATED"],
    ...placements.map(({ placement }) => [
      placement.id,
      placement.host_id,
      placement.image,
      placement.scheduler,
      placement.cpus,
      placement.memory,
      placement.created_at,
    ]),
  ]);
}

/**
 * Candidates, best first: each host's score, a column per score rule, and what is free on it; then how
 * many hosts can take the container, and why the others cannot.
 */
export function candidatesTable({ hosts, candidates, infeasible }: CandidatesBody): string {
  const rules = [...new Set(candidates.flatMap((candidate) => Object.keys(candidate.scores)))];
  const ranked = table([
    ["RANK", "HOST", "ADDR", "SCORE", ...rules.map((rule) => rule.toUpperCase()), "FREE CPUS", "FREE MEMORY"],
    ...candidates.map((candidate, at) => [
      at + 1,
      candidate.host.id,
      candidate.host.addr,
      candidate.score,
      ...rules.map((rule) => candidate.scores[rule]),
      candidate.free.cpus,
      candidate.free.memory,
    ]),
  ]);
  const unfit = Object.values(infeasible).reduce((sum, count) => sum + count, 0);
  const shown = hosts - unfit > candidates.length ? `, the best ${candidates.length} shown` : "";
  const summary = `${hosts - unfit} of ${hosts} hosts can take it${shown}.`;
  const reasons = Object.entries(infeasible).sort(([, a], [, b]) => b - a);
  if (reasons.length === 0) return `${ranked}\n\n${summary}`;
  return `${ranked}\n\n${summary} Why the others cannot:\n${table([["REASON", "HOSTS"], ...reasons])}`;
}

/** Hosts, one a row: CPUS and MEMORY (MiB) are reserved/total, `?` for a total not known yet. */
export function hostsTable(hosts: readonly HostBody[]): string {
  return table([
    ["ID", "ADDR", "STATUS", "CPUS", "MEMORY", "PLACEMENTS", "LABELS", "REASON"],
    ...hosts.map((host) => [
      host.id,
      host.addr,
      host.status,
      `${host.reserved_cpus}/${host.total_cpus ?? "?"}`,
      `${host.reserved_memory}/${host.total_memory ?? "?"}`,
      host.placements,
      labelText(host.labels),
      host.status_reason,
    ]),
  ]);
}

/** One host's fields, then its events. */
export function hostFields(host: HostDetailBody): string {
  const { engine, health } = host;
  const fields: Cell[][] = [
    ["ID", host.id],
    ["ADDR", host.tls ? `${host.addr} (tls)` : host.addr],
    ["STATUS", `${host.status}: ${host.status_reason}, since ${host.status_changed_at}`],
    ["LABELS", labelText(host.labels)],
    [
      "CPUS",
      `${host.reserved_cpus} reserved of ${host.total_cpus ?? "?"} (declared ${host.declared_cpus ?? "-"})`,
    ],
    [
      "MEMORY",
      `${host.reserved_memory} reserved of ${host.total_memory ?? "?"} MiB (declared ${host.declared_memory ?? "-"})`,
    ],
    ["PLACEMENTS", host.placements],
    [
      "ENGINE",
      engine &&
        `${engine.version}: ${engine.detected_cpus} cpus, ${engine.detected_memory} MiB; in use ${engine.used_cpus} cpus, ${engine.used_memory} MiB; ${engine.unmanaged_containers} unmanaged containers`,
    ],
    [
      "HEALTH",
      `${health.failed_probes} failed probes; last probe ${health.last_probe_at ?? "never"}${health.last_error ? `: ${health.last_error}` : ""}`,
    ],
  ];
  const events = table([
    ["AT", "EVENT", "DETAIL"],
    ...host.events.map((event) => [event.at, event.action, event.detail]),
  ]);
  return `${table(fields)}\n\n${events}`;
}

/** The cluster's hosts by status, and what is reserved of its capacity. */
export function clusterFields(cluster: ClusterBody): string {
  const { hosts, utilisation } = cluster;
  return table([
    ["HOSTS", `${hosts.total}: ${hosts.ready} ready, ${hosts.draining} draining, ${hosts.down} down`],
    ["PLACEMENTS", cluster.placements],
    ["CPUS", `${cluster.reserved_cpus} of ${cluster.total_cpus} reserved (${percent(utilisation.cpu)})`],
    [
      "MEMORY",
      `${cluster.reserved_memory} of ${cluster.total_memory} MiB reserved (${percent(utilisation.memory)})`,
    ],
  ]);
}

/** What an image's containers requested against what they used, per resource, with the verdict. */
export function profileTable(profile: ProfileBody): string {
  const row = (name: string, usage: ProfileBody["cpus"]) => [
    name,
    usage.requested_mean,
    usage.used_mean,
    usage.used_p95,
    usage.used_max,
    usage.verdict,
  ];
  const fields = table([
    ["IMAGE", profile.image],
    ["SAMPLES", profile.samples],
    ["UPDATED", profile.updated_at],
  ]);
  const usage = table([
    ["RESOURCE", "REQUESTED", "USED MEAN", "USED P95", "USED MAX", "VERDICT"],
    row("cpus", profile.cpus),
    row("memory (MiB)", profile.memory),
  ]);
  return `${fields}\n\n${usage}`;
}

/** A refresh round: its counts, each host's result, and the shards that failed. */
export function refreshReport(report: RefreshBody): string {
  const summary =
    `${report.hosts} hosts in ${report.ms} ms: ${report.answered} answered, ${report.down} down, ` +
    `${report.released} placements released, ${report.skipped} skipped; ${report.shards} shards, ` +
    `${report.dispatched} dispatched, ${report.failed.length} failed`;
  const results = table([
    ["HOST", "STATUS", "OK", "RELEASED", "MS", "ERROR"],
    ...report.results.map((result) => [
      result.id,
      result.status,
      result.ok ? "yes" : "no",
      result.released,
      result.ms,
      result.error,
    ]),
  ]);
  const failed = report.failed.length
    ? `\n\n${table([["SHARD", "HOSTS", "ERROR"], ...report.failed.map((shard) => [shard.shard, shard.hosts.join(","), shard.error])])}`
    : "";
  return `${summary}\n\n${results}${failed}`;
}

/**
 * An error answer for people: its message, then the hosts per reason it failed (`reasons`), the
 * hosts whose commit the store refused (`refused`), the hosts where run mode could not start the
 * container (`failures`), and when to retry.
 */
export function problemText(error: ApiError): string {
  const { reasons, refused, failures } = error.body as {
    reasons?: Record<string, number>;
    refused?: Record<string, string>;
    failures?: { host: string; error: string }[];
  };
  const parts = [`error: ${error.message}`];
  if (reasons) parts.push(table([["REASON", "HOSTS"], ...Object.entries(reasons)]));
  if (refused) parts.push(table([["HOST", "REFUSED"], ...Object.entries(refused)]));
  if (failures)
    parts.push(table([["HOST", "NOT STARTED"], ...failures.map(({ host, error }) => [host, error])]));
  if (error.retryAfter) parts.push(`retry after ${error.retryAfter} s`);
  return parts.join("\n");
}
