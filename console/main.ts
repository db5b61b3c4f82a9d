import { reasonOf } from "./api.js";
import { h, REFRESH_EVENT } from "./dom.js";
import { clusterView } from "./views/cluster.js";
import { hostView } from "./views/host.js";
import { imagesView } from "./views/images.js";
import { placeView } from "./views/place.js";
import { placementsView } from "./views/placements.js";
import { type View, viewRoot } from "./views/view.js";

/** How often the shown view reads the API again, while "Refresh" is checked and the page is visible. */
const REFRESH_MS = 5000;

/** The views by address (`#/…`, so that one page serves them all), each made from the address's parts. */
const ROUTES: [RegExp, (parts: string[]) => View][] = [
  [/^#\/(?:cluster)?$/, () => clusterView()],
  [/^#\/hosts\/([^/]+)$/, ([id = ""]) => hostView(id)],
  [/^#\/placements$/, () => placementsView()],
  [/^#\/images(?:\/(.+))?$/, ([image = ""]) => imagesView(image)],
  [/^#\/place$/, () => placeView()],
];

const element = (id: string) => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html has no #${id}`);
  return found;
};
const main = element("main");
const problem = element("problem");
const updated = element("updated");
const auto = element("auto-refresh") as HTMLInputElement;

let current: View | undefined;
let refreshing = false;
let again = false;

/** Shows the view of the address; `focus`: move the focus to its heading (on navigation, not on load). */
function show(focus: boolean): void {
  const hash = location.hash === "" ? "#/" : location.hash;
  // Not a view's address (the skip link's #main): the view stays.
  if (!hash.startsWith("#/")) return;
  current = viewOf(hash);
  main.replaceChildren(current.root);
  document.title = `${current.title} · Citadel`;
  const section = hash.split("/")[1] ?? "";
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    const here = link.getAttribute("href") === `#/${section}`;
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (focus) current.root.querySelector("h1")?.focus();
  void refresh();
}

function viewOf(hash: string): View {
  for (const [pattern, make] of ROUTES) {
    const match = pattern.exec(hash);
    if (match)
      return make(match.slice(1).map((part) => (part === undefined ? "" : decodeURIComponent(part))));
  }
  const root = viewRoot(
    "Not found",
    h("p", {}, "No view has this address: ", h("a", { href: "#/" }, "the cluster"), "."),
  );
  return { title: "Not found", root, refresh: async () => {} };
}

/** Has the shown view read the API again; a request made meanwhile runs once it is done. */
async function refresh(): Promise<void> {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    do {
      again = false;
      const view = current;
      try {
        await view?.refresh();
        say(problem, "");
        updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      } catch (error) {
        say(problem, `Could not read the API: ${reasonOf(error)}`);
      }
    } while (again);
  } finally {
    refreshing = false;
  }
}

/** Sets a live region's text only when it changes, so that it is announced once. */
function say(region: HTMLElement, text: string): void {
  if (region.textContent !== text) region.textContent = text;
}

window.addEventListener("hashchange", () => show(true));
document.addEventListener(REFRESH_EVENT, () => void refresh());
setInterval(() => {
  if (auto.checked && !document.hidden) void refresh();
}, REFRESH_MS);
show(false);
