import { clusterSummary } from "../../../shared/core/cluster.js";
import { SCHEDULER_TYPES } from "../../../shared/core/schedulers.js";
import { json } from "../http.js";
import type { Route } from "./route.js";

/** The scheduler types, the cluster's totals, and liveness. */
export const clusterRoutes: Route[] = [
  {
    method: "GET",
    path: /^\/v1\/schedulers$/,
    handle: async () =>
      json(200, {
        schedulers: SCHEDULER_TYPES.map(({ type, strategy, description }) => ({
          type,
          strategy,
          description,
        })),
      }),
  },
  {
    method: "GET",
    path: /^\/v1\/cluster$/,
    handle: async ({ deps }) => json(200, clusterSummary(await deps.registry.listHosts())),
  },
  {
    method: "GET",
    path: /^\/healthz$/,
    handle: async () => json(200, { status: "ok" }),
  },
];
