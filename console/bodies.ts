// The API's bodies, typed by the functions of shared/core that make them (type imports only: nothing of
// the server is bundled), so that a change of a body is a type error here rather than a broken page.
import type { placementAnswer } from "../shared/core/answer.js";
import type { candidatesAnswer } from "../shared/core/candidates.js";
import type { clusterSummary } from "../shared/core/cluster.js";
import type { hostDetailView, hostView } from "../shared/core/host-view.js";
import type { profileView } from "../shared/core/profile.js";
import type { schedulerTypeJson } from "../shared/core/schedulers.js";

export type PlacementBody = ReturnType<typeof placementAnswer>;
export type CandidatesBody = ReturnType<typeof candidatesAnswer>;
export type HostBody = ReturnType<typeof hostView>;
export type HostDetailBody = ReturnType<typeof hostDetailView>;
export type ClusterBody = ReturnType<typeof clusterSummary>;
export type ProfileBody = ReturnType<typeof profileView>;
export type SchedulersBody = { schedulers: ReturnType<typeof schedulerTypeJson>[] };

/**
 * An error's body: the API's `{error, message, ...}` (a 409's `reasons`, a 400's `details`), or a
 * gateway's `{message}`.
 */
export interface Problem {
  error?: string;
  message: string;
  reasons?: Record<string, number>;
  refused?: Record<string, string>;
  details?: { path: string; message: string }[];
}
