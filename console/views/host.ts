import { allPages, call, get, hostPath, reasonOf } from "../api.js";
import type { HostBody, HostDetailBody, PlacementBody } from "../bodies.js";
import { announce, fields, h, refreshNow, section, table, update } from "../dom.js";
import { count, labelText, ofTotal, when } from "../format.js";
import { placementsTable } from "./placement-rows.js";
import { region, type View, viewRoot } from "./view.js";

/** One host: its capacity, engine, health and labels, its placements and events; drain and undrain. */
export function hostView(id: string): View {
  const details = region("host-details");
  const placements = region("host-placements");
  const events = region("host-events");
  const toggle = h("button", { type: "button" }, "Drain");
  let status: HostBody["status"] | undefined;
  toggle.addEventListener("click", async () => {
    const next = status === "draining" ? "ready" : "draining";
    try {
      await call<HostBody>({ method: "PATCH", path: hostPath(id), body: { status: next } });
      announce(next === "draining" ? `Host ${id} is draining.` : `Host ${id} is ready again.`);
    } catch (error) {
      announce(`Could not change host ${id}: ${reasonOf(error)}`);
    }
    refreshNow();
  });
  return {
    title: `Host ${id}`,
    root: viewRoot(
      `Host ${id}`,
      h(
        "p",
        { class: "actions" },
        toggle,
        " ",
        h("span", { class: "hint" }, "A draining host keeps its placements and takes no new ones."),
      ),
      details,
      section("host-placements", "Placements", placements),
      section("host-events", "Events", events),
    ),
    refresh: async () => {
      const [host, placed] = await Promise.all([
        get<HostDetailBody>(hostPath(id)),
        allPages<PlacementBody>("/v1/placements", "placements", { host: id }),
      ]);
      status = host.status;
      // The button is kept (and so is the focus on it): only its words change.
      toggle.textContent = status === "draining" ? "Undrain" : "Drain";
      update(details, host, () => [hostFields(host)]);
      update(placements, placed, () => [
        placed.length === 0
          ? h("p", {}, "No placement on this host.")
          : placementsTable(count(placed.length, "placement"), placed),
      ]);
      update(events, host.events, () => [
        table(
          "The last status changes and reconciliation actions, latest last",
          ["At", "Event", "Detail"],
          host.events.map((event) => [when(event.at), event.action, event.detail]),
        ),
      ]);
    },
  };
}

function hostFields(host: HostDetailBody) {
  const { engine, health } = host;
  return fields([
    ["Address", host.tls ? `${host.addr} (TLS)` : host.addr],
    [
      "Status",
      h(
        "span",
        {},
        h("strong", {}, host.status),
        `: ${host.status_reason}, since ${when(host.status_changed_at)}`,
      ),
    ],
    [
      "Cpus reserved",
      `${ofTotal(host.reserved_cpus, host.total_cpus)}; declared ${host.declared_cpus ?? "no"}`,
    ],
    [
      "Memory reserved",
      `${ofTotal(host.reserved_memory, host.total_memory, " MiB")}; declared ${host.declared_memory ?? "no"}`,
    ],
    ["Placements", host.placements],
    ["Labels", labelText(host.labels)],
    [
      "Engine",
      engine
        ? `Docker ${engine.version}: ${engine.detected_cpus} cpus, ${engine.detected_memory} MiB; in use ${engine.used_cpus} cpus, ${engine.used_memory} MiB; ${engine.unmanaged_containers} unmanaged containers (${engine.unmanaged_cpus} cpus, ${engine.unmanaged_memory} MiB); observed ${when(engine.observed_at)}`
        : "not reached yet",
    ],
    [
      "Health",
      `${health.failed_probes} failed probes in a row; last probe ${when(health.last_probe_at)}${health.last_error ? `: ${health.last_error}` : ""}`,
    ],
  ]);
}
