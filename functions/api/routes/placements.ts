import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { placementAnswer } from "../../../shared/core/answer.js";
import { HOST_ID } from "../../../shared/core/host.js";
import { idOfPlaced, type PlacedOnHost } from "../../../shared/core/paging.js";
import { hostOfPlacement, ownedBy } from "../../../shared/core/placement.js";
import { parseContainerRequest, sentContainer } from "../../../shared/core/request.js";
import { callerDigest, callerOf } from "../caller.js";
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
      const types = deps.schedulers?.map((scheduler) => scheduler.type);
      const parsed = parseContainerRequest(read.body, types);
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
    handle: async ({ event, query, deps }) => {
      const viewer = viewerOf(event);
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
        return json(200, placementsBody(page.placements, page.next, viewer));
      }
      return withHostId(hostId, async () => {
        // One host's placements by id: a cursor of another host's is not one of this listing.
        const asked = pageQuery(query, "placements", (at) => hostOfPlacement(at) === hostId);
        if ("refused" in asked) return asked.refused;
        const page = await deps.registry.pageHostPlacements(hostId, asked.limit, asked.after);
        if (!page) return hostNotFound(hostId);
        return json(200, placementsBody(page.placements, page.next, viewer));
      });
    },
  },
  {
    method: "GET",
    path: PLACEMENT,
    handle: async ({ event, params, deps }) => {
      const id = params[0] ?? "";
      const found = await deps.registry.getPlacement(id);
      return found
        ? json(200, placementAnswer(found.host, found.placement, viewerOf(event)))
        : placementNotFound(id);
    },
  },
  {
    method: "DELETE",
    path: PLACEMENT,
    // Releasing is idempotent: a placement already released (or never made) answers 204 too. Only its
    // owner may release a live one (its owner never changes, so the read and the release cannot disagree).
    handle: async ({ event, params, deps }) => {
      const id = params[0] ?? "";
      if (hostOfPlacement(id) === undefined) return placementNotFound(id);
      const found = await deps.registry.getPlacement(id);
      if (found && !ownedBy(found.placement, viewerOf(event))) {
        return problem(403, "not_owner", `placement ${JSON.stringify(id)} was made by another caller`);
      }
      await deps.registry.release(id);
      return noContent();
    },
  },
];

/** Who asks, as a placement records its owner. */
function viewerOf(event: APIGatewayProxyEventV2): string {
  return callerDigest(callerOf(event));
}

function placementsBody(placements: PlacedOnHost[], next: string | undefined, viewer: string) {
  return pageBody(
    "placements",
    placements,
    next,
    (entry) => placementAnswer(entry.host, entry.placement, viewer),
    idOfPlaced,
  );
}

function placementNotFound(id: string): Response {
  return problem(404, "placement_not_found", `no live placement ${JSON.stringify(id)}`);
}
