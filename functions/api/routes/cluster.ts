import { clusterSummary } from "../../../shared/core/cluster.js";
import { DEFAULT_SCHEDULER_TYPES, schedulerTypeJson } from "../../../shared/core/schedulers.js";
import { json } from "../http.js";
import type { Route } from "./route.js";

/** The scheduler types (each with its score rules and weights), the cluster's totals, and liveness. */
export const clusterRoutes: Route[] = [
  {
    method: "GET",
    path: /^\/v1\/schedulers$/,
    handle: async ({ deps }) =>
      json(200, { schedulers: (deps.schedulers ?? DEFAULT_SCHEDULER_TYPES).map(schedulerTypeJson) }),
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
