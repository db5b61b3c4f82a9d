import { allPages, get } from "../api.js";
import type { ClusterBody, HostBody } from "../bodies.js";
import { fields, h, section, table, update } from "../dom.js";
import { band, count, fullness, labelText, ofTotal, percent } from "../format.js";
import { region, type View, viewRoot } from "./view.js";

/** Live use, summed over the hosts whose engine has reported it. */
interface LiveUse {
  cpus: number;
  memory: number;
  reporting: number;
}

/**
 * The cluster: hosts by status; per resource, capacity against reserved against live use; and every
 * host as a tile coloured by how full it is, with its status and why.
 */
export function clusterView(): View {
  const summary = region("cluster-summary");
  const resources = region("cluster-resources");
  const hosts = region("cluster-hosts");
  return {
    title: "Cluster",
    root: viewRoot(
      "Cluster",
      summary,
      section("resources", "Capacity, reserved and live use", resources),
      section(
        "hosts",
        "Hosts",
        hosts,
        h(
          "p",
          { class: "hint" },
          "Each host is coloured by the larger share of its cpus or memory reserved.",
        ),
      ),
    ),
    refresh: async () => {
      const [cluster, all] = await Promise.all([
        get<ClusterBody>("/v1/cluster"),
        allPages<HostBody>("/v1/hosts", "hosts"),
      ]);
      all.sort((a, b) => a.id.localeCompare(b.id));
      const use = liveUse(all);
      update(summary, cluster.hosts, () => [
        fields([
          [
            "Hosts",
            `${cluster.hosts.total}: ${cluster.hosts.ready} ready, ${cluster.hosts.draining} draining, ${cluster.hosts.down} down`,
          ],
        ]),
      ]);
      update(resources, { cluster, use }, () => [resourceTable(cluster, use)]);
      update(hosts, all, () =>
        all.length === 0
          ? [h("p", {}, "No host is registered yet.")]
          : [h("ul", { class: "tiles" }, ...all.map(hostTile))],
      );
    },
  };
}

function liveUse(hosts: HostBody[]): LiveUse {
  const use = { cpus: 0, memory: 0, reporting: 0 };
  for (const { engine } of hosts) {
    if (!engine) continue;
    // Millicores, as the API counts them, so that sums of decimals do not drift.
    use.cpus += Math.round(engine.used_cpus * 1000);
    use.memory += engine.used_memory;
    use.reporting++;
  }
  return { ...use, cpus: use.cpus / 1000 };
}

function resourceTable(cluster: ClusterBody, use: LiveUse) {
  const row = (name: string, unit: string, total: number, reserved: number, used: number) => [
    name,
    `${total}${unit}`,
    h("span", {}, ofTotal(reserved, total, unit), gauge(`${name} reserved`, reserved, total)),
    h("span", {}, ofTotal(used, total, unit), gauge(`${name} in use`, used, total)),
  ];
  return h(
    "div",
    {},
    table(
      `Placements: ${cluster.placements}`,
      ["Resource", "Capacity", "Reserved", "Live use"],
      [
        row("cpus", "", cluster.total_cpus, cluster.reserved_cpus, use.cpus),
        row("memory", " MiB", cluster.total_memory, cluster.reserved_memory, use.memory),
      ],
    ),
    h(
      "p",
      { class: "hint" },
      `Live use is what Citadel's containers use now, as ${use.reporting} of ${cluster.hosts.total} hosts' engines last reported it.`,
    ),
  );
}

/** A meter of `value` against `max`, named for assistive technology. */
function gauge(label: string, value: number, max: number) {
  return h("meter", {
    min: 0,
    max: Math.max(max, value, 1),
    low: max * 0.5,
    high: max * 0.8,
    optimum: 0,
    value,
    "aria-label": `${label}: ${percent(max === 0 ? 0 : value / max)}`,
  });
}

function hostTile(host: HostBody) {
  const share = fullness(host);
  return h(
    "li",
    { class: `tile fill-${band(share)} status-${host.status}`, "data-host": host.id },
    h("h3", {}, h("a", { href: `#/hosts/${encodeURIComponent(host.id)}` }, host.id)),
    h("p", {}, host.addr),
    h("p", { class: "status" }, h("strong", {}, host.status), `: ${host.status_reason}`),
    h(
      "p",
      {},
      share === null ? "capacity not known yet" : `${percent(share)} full`,
      share !== null && gauge(`${host.id} reserved`, share, 1),
    ),
    h(
      "p",
      { class: "small" },
      `cpus ${host.reserved_cpus}/${host.total_cpus ?? "?"}, memory ${host.reserved_memory}/${host.total_memory ?? "?"} MiB, ${count(host.placements, "placement")}`,
    ),
    h("p", { class: "small" }, `labels: ${labelText(host.labels)}`),
  );
}
