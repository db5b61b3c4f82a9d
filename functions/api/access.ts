/**
 * Who may call which route. Two roles, as in DESIGN.md (Trust): *clients* place, read and release
 * placements and read the cluster; *operators* decide which machines are hosts (register, change,
 * remove, refresh) and read the same views. Nobody else calls the API.
 *
 * The router serves these routes (test/api/access.test.ts checks that each entry reaches a route of
 * the router and that every route of the router is here); the CDK stack makes one API Gateway route
 * of each, with the JWT scopes of its roles, and builds the two IAM policies from this list. Paths are
 * API Gateway route paths: `{name}` is one segment, `{name+}` the rest of the path.
 */
export type Role = "client" | "operator";

/** One route of the API and the roles allowed to call it. */
export interface RouteAccess {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  roles: readonly Role[];
}

const BOTH: readonly Role[] = ["client", "operator"];

export const ROUTE_ACCESS: readonly RouteAccess[] = [
  { method: "POST", path: "/v1/placements", roles: ["client"] },
  { method: "GET", path: "/v1/placements", roles: BOTH },
  { method: "GET", path: "/v1/placements/{id}", roles: BOTH },
  { method: "DELETE", path: "/v1/placements/{id}", roles: ["client"] },
  // Where a container would go, reserving nothing: for those who place.
  { method: "POST", path: "/v1/candidates", roles: ["client"] },
  { method: "POST", path: "/v1/hosts", roles: ["operator"] },
  { method: "POST", path: "/v1/hosts/refresh", roles: ["operator"] },
  { method: "GET", path: "/v1/hosts", roles: BOTH },
  { method: "GET", path: "/v1/hosts/{id}", roles: BOTH },
  { method: "PATCH", path: "/v1/hosts/{id}", roles: ["operator"] },
  { method: "DELETE", path: "/v1/hosts/{id}", roles: ["operator"] },
  // An image reference has slashes of its own (`team/app:1`): the rest of the path, `…/profile` included.
  { method: "GET", path: "/v1/images/{image+}", roles: BOTH },
  { method: "GET", path: "/v1/schedulers", roles: BOTH },
  { method: "GET", path: "/v1/cluster", roles: BOTH },
  { method: "GET", path: "/healthz", roles: BOTH },
];

/** The routes a role may call. */
export function routesOf(role: Role): RouteAccess[] {
  return ROUTE_ACCESS.filter((route) => route.roles.includes(role));
}

/**
 * The route's path as an IAM resource path: API Gateway checks `execute-api:Invoke` on the request's
 * own path, so each `{param}` becomes `*` (which IAM matches across slashes too, as `{param+}` needs).
 */
export function iamPath(route: RouteAccess): string {
  return route.path.replace(/\{[^}]+\}/g, "*");
}
