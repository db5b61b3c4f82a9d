import { isImageReference } from "../../../shared/core/image.js";
import { profileView } from "../../../shared/core/profile.js";
import { invalid, json, problem } from "../http.js";
import type { Route } from "./route.js";

/** What an image's containers use, against what they request. */
export const imageRoutes: Route[] = [
  {
    method: "GET",
    path: /^\/v1\/images\/(.+)\/profile$/,
    handle: async ({ params, deps }) => {
      const image = params[0] ?? "";
      if (!isImageReference(image)) {
        return invalid([{ path: "image", message: "must be a Docker image reference such as redis:7" }]);
      }
      const profile = await deps.profiles.get(image);
      if (!profile) {
        return problem(404, "no_profile", `no container of ${image} has been observed running yet`);
      }
      return json(200, profileView(profile));
    },
  },
];
