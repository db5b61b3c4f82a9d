import { allPages, getPage, refusal } from "../api.js";
import type { HostBody, PlacementBody } from "../bodies.js";
import { h, refreshNow, section, update } from "../dom.js";
import { count } from "../format.js";
import { placementsTable } from "./placement-rows.js";
import { region, type View, viewRoot } from "./view.js";

/** Placements shown per page. */
const PAGE_SIZE = 25;
/** API pages read at most for one page of the console, when an image filter leaves most items out. */
const MAX_READS = 10;

/** What the view lists: one host's placements or all, and the images containing some text. */
interface Filter {
  host: string;
  image: string;
}

/** A page of the console: the placements shown, and the cursor the next page starts at. */
interface Shown {
  placements: PlacementBody[];
  next: string | null;
}

/**
 * Placements, a page at a time (following the API's `next` cursors), filterable by host (the API's
 * `?host=`) and by image (here: the API has no such filter); each with a Release button.
 */
export function placementsView(): View {
  const hostInput = h("input", { id: "filter-host", name: "host", list: "host-ids", autocomplete: "off" });
  const hostIds = h("datalist", { id: "host-ids" });
  const imageInput = h("input", { id: "filter-image", name: "image", autocomplete: "off" });
  const form = h(
    "form",
    { class: "filters", "aria-label": "Filter placements" },
    h("p", {}, h("label", { for: "filter-host" }, "Host"), hostInput, hostIds),
    h("p", {}, h("label", { for: "filter-image" }, "Image contains"), imageInput),
    h("p", {}, h("button", { type: "submit" }, "Filter")),
  );
  const list = region("placements-list");
  const previous = h("button", { type: "button" }, "Previous page");
  const next = h("button", { type: "button" }, "Next page");
  const pageLabel = h("span", { class: "hint" });
  let filter: Filter = { host: "", image: "" };
  // Where each page shown so far starts: the first at the listing's start.
  let starts: (string | undefined)[] = [undefined];
  let page = 0;
  let following: string | null = null;

  // The hosts' ids, offered to the host filter: read once, with the view's first refresh.
  let suggested = false;
  const suggestHosts = async () => {
    if (suggested) return;
    const hosts = await allPages<HostBody>("/v1/hosts", "hosts");
    hostIds.replaceChildren(...hosts.map((host) => h("option", { value: host.id })));
    suggested = true;
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    filter = { host: hostInput.value.trim(), image: imageInput.value.trim() };
    starts = [undefined];
    page = 0;
    refreshNow();
  });
  // aria-disabled rather than disabled: the button keeps the focus on the first and last pages.
  previous.addEventListener("click", () => {
    if (page === 0) return;
    page--;
    refreshNow();
  });
  next.addEventListener("click", () => {
    if (following === null) return;
    starts[page + 1] = following;
    page++;
    refreshNow();
  });
  return {
    title: "Placements",
    root: viewRoot(
      "Placements",
      form,
      section("placements", "Live placements", list),
      h("p", { class: "pager" }, previous, " ", pageLabel, " ", next),
    ),
    refresh: async () => {
      // What this refresh shows, whatever is asked while it reads.
      const at = { filter, page };
      const [shown] = await Promise.all([
        readPage(at.filter, starts[at.page]).catch(refusal),
        suggestHosts(),
      ]);
      following = "refused" in shown ? null : shown.next;
      previous.setAttribute("aria-disabled", String(at.page === 0));
      next.setAttribute("aria-disabled", String(following === null));
      pageLabel.textContent = `Page ${at.page + 1}`;
      update(list, { shown, at }, () => [
        "refused" in shown
          ? h("p", {}, shown.refused)
          : shown.placements.length === 0
            ? h("p", {}, at.page === 0 ? "No placement matches." : "No more placements match.")
            : placementsTable(
                `Page ${at.page + 1}: ${count(shown.placements.length, "placement")}${described(at.filter)}`,
                shown.placements,
              ),
      ]);
    },
  };
}

/** The filter in words, for the list's caption. */
function described({ host, image }: Filter): string {
  return `${host === "" ? "" : ` on ${host}`}${image === "" ? "" : ` of images containing "${image}"`}`;
}

/**
 * The page that starts at `start`. With an image filter, API pages are read one after another, each
 * asking for no more items than the page still lacks, so that no match is skipped: the next page
 * starts right after the last item read.
 */
async function readPage(filter: Filter, start: string | undefined): Promise<Shown> {
  const path = "/v1/placements";
  const host = filter.host === "" ? undefined : filter.host;
  const placements: PlacementBody[] = [];
  let next = start ?? null;
  for (let read = 0; read < MAX_READS && placements.length < PAGE_SIZE; read++) {
    const answer = await getPage<"placements", PlacementBody>(path, {
      host,
      limit: String(PAGE_SIZE - placements.length),
      next: next ?? undefined,
    });
    placements.push(...answer.placements.filter(({ placement }) => placement.image.includes(filter.image)));
    next = answer.next;
    if (next === null) break;
  }
  return { placements, next };
}
