import { get, getPage, profilePath, refusal } from "../api.js";
import type { PlacementBody, ProfileBody } from "../bodies.js";
import { h, refreshNow, section, table, update } from "../dom.js";
import { when } from "../format.js";
import { suggestion } from "../sizing.js";
import { region, type View, viewRoot } from "./view.js";

/** Placements read to list the images running now (one API page). */
const SEEN = 200;

/** An image's profile: what its containers requested against what they used, and a right-sizing suggestion. */
export function imagesView(initial: string): View {
  const input = h("input", { id: "profile-image", name: "image", required: true, autocomplete: "off" });
  input.value = initial;
  const form = h(
    "form",
    { class: "filters", "aria-label": "Show an image's profile" },
    h("p", {}, h("label", { for: "profile-image" }, "Image"), input),
    h("p", {}, h("button", { type: "submit" }, "Show profile")),
  );
  const profile = region("image-profile");
  const running = region("images-running");
  let image = initial;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    image = input.value.trim();
    // The address names the image shown, without building the view again (the focus stays in the form).
    history.replaceState(null, "", `#/images/${encodeURIComponent(image)}`);
    refreshNow();
  });
  return {
    title: image === "" ? "Image profiles" : `Profile of ${image}`,
    root: viewRoot(
      "Image profiles",
      form,
      section("profile", "Requested against observed", profile),
      section("running", "Images of live placements", running),
    ),
    refresh: async () => {
      // The image this refresh shows, whatever is asked while it reads.
      const asked = image;
      const [shown, page] = await Promise.all([
        asked === "" ? undefined : get<ProfileBody>(profilePath(asked)).catch(refusal),
        getPage<"placements", PlacementBody>("/v1/placements", { limit: String(SEEN) }),
      ]);
      const images = [...new Set(page.placements.map(({ placement }) => placement.image))].sort();
      update(profile, { asked, shown }, () => [
        shown === undefined
          ? h("p", {}, "Choose an image.")
          : "refused" in shown
            ? h("p", {}, shown.refused)
            : profileTable(shown),
      ]);
      update(running, images, () => [
        images.length === 0
          ? h("p", {}, "No placement is live.")
          : h(
              "ul",
              {},
              ...images.map((name) =>
                h("li", {}, h("a", { href: `#/images/${encodeURIComponent(name)}` }, name)),
              ),
            ),
      ]);
    },
  };
}

function profileTable(profile: ProfileBody) {
  const { cpus, memory } = profile;
  return table(
    `${profile.image}: ${profile.samples} samples, the last ${when(profile.updated_at)}`,
    [
      "Resource",
      "Requested (mean)",
      "Used (mean)",
      "Used (95th percentile)",
      "Used (peak)",
      "Verdict",
      "Suggestion",
    ],
    [
      [
        "cpus",
        cpus.requested_mean,
        cpus.used_mean,
        cpus.used_p95,
        cpus.used_max,
        cpus.verdict,
        suggestion({ usage: cpus, pressing: cpus.used_p95, step: 0.001, unit: " cpus" }),
      ],
      [
        "memory (MiB)",
        memory.requested_mean,
        memory.used_mean,
        memory.used_p95,
        memory.used_max,
        memory.verdict,
        suggestion({ usage: memory, pressing: memory.used_max, step: 1, unit: " MiB" }),
      ],
    ],
  );
}
