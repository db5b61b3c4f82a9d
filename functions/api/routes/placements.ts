import { placementAnswer } from "../../../shared/core/answer.js";
import type { Host } from "../../../shared/core/host.js";
import { hostOfPlacement } from "../../../shared/core/placement.js";
import { parseContainerRequest, sentContainer } from "../../../shared/core/request.js";
import { invalid, json, jsonObjectBody, noContent, problem, type Response } from "../http.js";
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
        ...(idempotencyKey && { idempotencyKey }),
      });
      return json(result.statusCode, result.body, result.headers);
    },
  },
  {
    method: "GET",
    path: /^\/v1\/placements$/,
    query: ["host"],
    handle: async (context) => {
      const hostId = context.query.host;
      if (hostId === undefined)
        return json(200, { placements: answers(await context.deps.registry.listHosts()) });
      return withHostId(hostId, async () => {
        const host = await context.deps.registry.getHost(hostId);
        return host ? json(200, { placements: answers([host]) }) : hostNotFound(hostId);
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

function answers(hosts: Host[]) {
  return hosts.flatMap((host) => host.placements.map((placement) => placementAnswer(host, placement)));
}

function placementNotFound(id: string): Response {
  return problem(404, "placement_not_found", `no live placement ${JSON.stringify(id)}`);
}
