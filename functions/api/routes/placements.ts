import { placementAnswer } from "../../../shared/core/answer.js";
import { HOST_ID } from "../../../shared/core/host.js";
import {
  cutPage,
  idOfPlaced,
  type PlacedOnHost,
  placementsInPageOrder,
} from "../../../shared/core/paging.js";
import { hostOfPlacement } from "../../../shared/core/placement.js";
import { parseContainerRequest, sentContainer } from "../../../shared/core/request.js";
import { callerOf } from "../caller.js";
import { invalid, json, jsonObjectBody, noContent, problem, type Response } from "../http.js";
import { pageBody, pageQuery } from "../paging.js";
import { hostNotFound, withHostId } from "./hosts.js";
import type { Route } from "./route.js";

const PLACEMENT = /^\/v1\/placements\/([^/]+)$/;

/** Idempotency keys: 1-255 visible ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Placing a container (through the scheduler of its type), reading and releasing placements. */
export const placementRoutes: Route[] = [
  {
    method: "POST",
    path: /^\/v1\/placements$/,
    handle: async ({ event, deps, correlationId }) => {
      const read = jsonObjectBody(event);
      if ("refused" in read) return read.refused;
      const parsed = parseContainerRequest(read.body);
      if (!parsed.ok) return invalid(parsed.issues);
      const idempotencyKey = event.headers?.["idempotency-key"];
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        return invalid([{ path: "Idempotency-Key", message: "must be 1-255 visible ASCII characters" }]);
      }
      const result = await deps.invoker.invoke({
        type: parsed.value.type,
        // Rebuilt from the validated fields, never the raw body: what the scheduler stores and echoes.
        container: sentContainer(read.body, parsed.value),
        correlationId,
        deliveryId: event.requestContext.requestId,
        caller: callerOf(event),
        ...(idempotencyKey && { idempotencyKey }),
      });
      return json(result.statusCode, result.body, result.headers);
    },
  },
  {
    method: "GET",
    path: /^\/v1\/placements$/,
    query: ["host", "limit", "next"],
    handle: async ({ query, deps }) => {
      const hostId = query.host;
      if (hostId === undefined) {
        // Positions: a placement id, or a host id when a page stopped between hosts.
        const asked = pageQuery(
          query,
          "placements",
          (at) => hostOfPlacement(at) !== undefined || HOST_ID.test(at),
        );
        if ("refused" in asked) return asked.refused;
        const page = await deps.registry.pagePlacements(asked.limit, asked.after);
        return json(200, placementsBody(page.placements, page.next));
      }
      return withHostId(hostId, async () => {
        // One host's placements by id: a cursor of another host's is not one of this listing.
        const asked = pageQuery(query, "placements", (at) => hostOfPlacement(at) === hostId);
        if ("refused" in asked) return asked.refused;
        const host = await deps.registry.getHost(hostId);
        if (!host) return hostNotFound(hostId);
        const page = cutPage(placementsInPageOrder(host, asked.after), asked.limit, idOfPlaced);
        return json(200, placementsBody(page.items, page.next));
      });
    },
  },
  {
    method: "GET",
    path: PLACEMENT,
    handle: async ({ params, deps }) => {
      const id = params[0] ?? "";
      const hostId = hostOfPlacement(id);
      const host = hostId === undefined ? undefined : await deps.registry.getHost(hostId);
      const placement = host?.placements.find((live) => live.id === id);
      return host && placement ? json(200, placementAnswer(host, placement)) : placementNotFound(id);
    },
  },
  {
    method: "DELETE",
    path: PLACEMENT,
    // Releasing is idempotent: a placement already released (or never made) answers 204 too.
    handle: async ({ params, deps }) => {
      const id = params[0] ?? "";
      if (hostOfPlacement(id) === undefined) return placementNotFound(id);
      await deps.registry.release(id);
      return noContent();
    },
  },
];

function placementsBody(placements: PlacedOnHost[], next: string | undefined) {
  return pageBody(
    "placements",
    placements,
    next,
    (entry) => placementAnswer(entry.host, entry.placement),
    idOfPlaced,
  );
}

function placementNotFound(id: string): Response {
  return problem(404, "placement_not_found", `no live placement ${JSON.stringify(id)}`);
}
