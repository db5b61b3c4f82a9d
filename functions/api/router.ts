import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { RegistryUnavailableError } from "../../shared/core/registry.js";
import { problem, type Response } from "./http.js";
import { candidateRoutes } from "./routes/candidates.js";
import { clusterRoutes } from "./routes/cluster.js";
import { hostRoutes } from "./routes/hosts.js";
import { imageRoutes } from "./routes/images.js";
import { placementRoutes } from "./routes/placements.js";
import type { ApiDependencies, Route } from "./routes/route.js";

/** Every route the router serves (functions/api/access.ts says who may call each). */
export const ROUTES: readonly Route[] = [
  ...placementRoutes,
  ...candidateRoutes,
  ...hostRoutes,
  ...imageRoutes,
  ...clusterRoutes,
];

const CORRELATION_ID = /^[\w.:-]{1,128}$/;

/**
 * The router Lambda: every API route. Placements go to the scheduler of their type through the
 * invoker; everything else is a registry call. Bad input is a 4xx; a 500 means a bug and is logged.
 */
export function createApi(deps: ApiDependencies) {
  return async (event: APIGatewayProxyEventV2): Promise<Response> => {
    const sent = event.headers?.["x-correlation-id"];
    const correlationId = sent && CORRELATION_ID.test(sent) ? sent : event.requestContext.requestId;
    let response: Response;
    try {
      response = await dispatch(event, deps, correlationId);
    } catch (error) {
      response = failure(error, event, deps, correlationId);
    }
    return withCorrelationId(response, correlationId);
  };
}

/** An outage of the store is a 503 the caller may retry; anything else is a bug, logged, and a 500. */
function failure(
  error: unknown,
  event: APIGatewayProxyEventV2,
  deps: ApiDependencies,
  correlationId: string,
) {
  const context = { correlationId, path: event.rawPath };
  if (error instanceof RegistryUnavailableError) {
    deps.logger.warn("registry unavailable", { ...context, reason: error.reason });
    return problem(503, "unavailable", error.message, {}, { "retry-after": "1" });
  }
  deps.logger.error("request failed", { ...context, error: error as Error });
  return problem(500, "internal", "internal error; quote the correlation id when reporting it", {
    correlation_id: correlationId,
  });
}

function withCorrelationId(response: Response, correlationId: string): Response {
  return { ...response, headers: { ...response.headers, "x-correlation-id": correlationId } };
}

async function dispatch(event: APIGatewayProxyEventV2, deps: ApiDependencies, correlationId: string) {
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath;
  const matching = ROUTES.filter((route) => route.path.test(path));
  const route = matching.find((candidate) => candidate.method === method);
  if (!route) {
    if (matching.length === 0) return problem(404, "not_found", `no route ${method} ${path}`);
    const allow = matching.map((candidate) => candidate.method).join(", ");
    return problem(
      405,
      "method_not_allowed",
      `${method} is not allowed on ${path}; use ${allow}`,
      {},
      { allow },
    );
  }
  const query = event.queryStringParameters ?? {};
  const unknown = Object.keys(query).filter((name) => !route.query?.includes(name));
  if (unknown.length > 0) {
    return problem(400, "invalid_request", `unknown query parameter(s): ${unknown.join(", ")}`);
  }
  let params: string[];
  try {
    params = (route.path.exec(path) ?? []).slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    return problem(400, "invalid_request", "the path is not valid percent-encoding");
  }
  return route.handle({
    event,
    params,
    query: Object.fromEntries(Object.entries(query).map(([name, value]) => [name, value ?? ""])),
    correlationId,
    deps,
  });
}
