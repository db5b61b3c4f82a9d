import { unschedulableAnswer } from "../../../shared/core/answer.js";
import {
  candidatesAnswer,
  DEFAULT_CANDIDATES,
  MAX_CANDIDATES,
  rankCandidates,
} from "../../../shared/core/candidates.js";
import { parseContainerRequest } from "../../../shared/core/request.js";
import { schedulerType } from "../../../shared/core/schedulers.js";
import { invalid, json, jsonObjectBody } from "../http.js";
import type { Route } from "./route.js";

const LIMIT = /^[1-9]\d{0,2}$/;

/**
 * Every host that could take a container, ranked as its type's scheduler would rank them, reserving
 * nothing. The router answers it itself rather than invoking the type's scheduler: it reads nothing
 * but every host (a Scan of the hosts and their observations, which `GET /v1/cluster` already has the
 * router do), and writes nothing, so a scheduler Lambda would add an invocation and its snapshot (a
 * slice, or stale) would have to be read whole again anyway: candidates are judged on every host.
 */
export const candidateRoutes: Route[] = [
  {
    method: "POST",
    path: /^\/v1\/candidates$/,
    query: ["limit"],
    handle: async ({ event, query, deps }) => {
      const read = jsonObjectBody(event);
      if ("refused" in read) return read.refused;
      const parsed = parseContainerRequest(read.body);
      const { limit = String(DEFAULT_CANDIDATES) } = query;
      const limitValid = LIMIT.test(limit) && Number(limit) <= MAX_CANDIDATES;
      if (!parsed.ok || !limitValid) {
        return invalid([
          ...(parsed.ok ? [] : parsed.issues),
          ...(limitValid
            ? []
            : [{ path: "limit", message: `must be an integer from 1 to ${MAX_CANDIDATES}` }]),
        ]);
      }
      // Known: the request's schema admits registered types only.
      const scheduler = schedulerType(parsed.value.type);
      if (!scheduler) throw new Error(`no scheduler type ${parsed.value.type}`);
      const hosts = await deps.registry.listHosts();
      const ranked = rankCandidates(hosts, parsed.value, scheduler, Number(limit));
      if (ranked.candidates.length === 0) {
        return json(409, unschedulableAnswer(ranked.hosts, ranked.infeasible));
      }
      return json(200, candidatesAnswer(ranked));
    },
  },
];
