import { call, placementPath, reasonOf } from "../api.js";
import type { PlacementBody } from "../bodies.js";
import { announce, h, refreshNow, table } from "../dom.js";
import { when } from "../format.js";

/** Placements as a table, each row with a Release button. Used by the placements view and by a host's. */
export function placementsTable(caption: string, placements: PlacementBody[]) {
  return table(
    caption,
    ["Placement", "Host", "Image", "Type", "Cpus", "Memory (MiB)", "Created", "Action"],
    placements.map(({ placement }) => [
      h("code", {}, placement.id),
      h("a", { href: `#/hosts/${encodeURIComponent(placement.host_id)}` }, placement.host_id),
      h("a", { href: `#/images/${encodeURIComponent(placement.image)}` }, placement.image),
      placement.scheduler,
      placement.cpus,
      placement.memory,
      when(placement.created_at),
      releaseButton(placement.id),
    ]),
  );
}

/** A button that releases placement `id`, says so, and has the view read the API again. */
function releaseButton(id: string) {
  const button = h(
    "button",
    { type: "button", "data-key": `release-${id}`, "aria-label": `Release ${id}` },
    "Release",
  );
  let busy = false;
  button.addEventListener("click", async () => {
    // Not `disabled`: a disabled button loses the focus.
    if (busy) return;
    busy = true;
    try {
      await call({ method: "DELETE", path: placementPath(id) });
      announce(`Released placement ${id}.`);
    } catch (error) {
      announce(`Could not release ${id}: ${reasonOf(error)}`);
    } finally {
      busy = false;
    }
    refreshNow();
  });
  return button;
}
