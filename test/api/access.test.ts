import { describe, expect, it } from "vitest";
import { ROUTE_ACCESS, type RouteAccess } from "../../functions/api/access.js";
import { ROUTES } from "../../functions/api/router.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { apiEvent } from "../support/api-event.js";

// The access list is what the CDK stack turns into API Gateway routes, JWT scopes and IAM policies
// (test/infra/stack.test.ts checks those); here it is held to the routes the router really serves.

/** A request path for a route path: each parameter filled with a value of its kind. */
function samplePath(route: RouteAccess): string {
  return route.path.replace("{image+}", "team/app:1/profile").replace(/\{[^}]+\}/g, "docker-1");
}

describe("the access list", () => {
  it("names each route of the router once, and only those", () => {
    const covered = ROUTES.map((route) =>
      ROUTE_ACCESS.filter((access) => access.method === route.method && route.path.test(samplePath(access))),
    );
    expect(covered.map((accesses) => accesses.length)).toEqual(ROUTES.map(() => 1));
    expect(new Set(covered.flat()).size).toBe(ROUTE_ACCESS.length);
  });

  it("reaches a route of the router with every entry (no 404 or 405 of the router's own)", async () => {
    const { api } = inProcessApi(new MemoryRegistry(), { snapshotMaxAgeMs: 0, maxAttempts: 1 });
    for (const access of ROUTE_ACCESS) {
      const answer = await api(apiEvent(access.method, samplePath(access), { body: "{}" }));
      const error = answer.body ? JSON.parse(String(answer.body)).error : undefined;
      expect([access.path, error]).not.toEqual([access.path, "not_found"]);
      expect([access.path, answer.statusCode]).not.toEqual([access.path, 405]);
    }
  });

  it("keeps host management to operators and placing to clients", () => {
    const roles = (method: string, path: string) =>
      ROUTE_ACCESS.find((route) => route.method === method && route.path === path)?.roles;
    for (const [method, path] of [
      ["POST", "/v1/hosts"],
      ["PATCH", "/v1/hosts/{id}"],
      ["DELETE", "/v1/hosts/{id}"],
      ["POST", "/v1/hosts/refresh"],
    ]) {
      expect(roles(method ?? "", path ?? "")).toEqual(["operator"]);
    }
    expect(roles("POST", "/v1/placements")).toEqual(["client"]);
    expect(roles("POST", "/v1/candidates")).toEqual(["client"]);
    expect(roles("DELETE", "/v1/placements/{id}")).toEqual(["client"]);
  });
});
