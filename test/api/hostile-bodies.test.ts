import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../functions/api/http.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { MAX_JSON_DEPTH } from "../../shared/core/json-body.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { apiEvent } from "../support/api-event.js";
import { host, noEngines, placement } from "../support/fixtures.js";

// Bodies built to hurt: deep nesting, keys that reach the prototype machinery, Citadel's own labels.
// Each is a 400 naming the problem, and the cluster does not change.

const seed = { image: "crosbymichael/redis", cpus: "0.2", memory: 512, type: "service" };
const seedHost = { addr: "10.1.0.1:2375", id: "fresh", total_cpus: 2, total_memory: 1024 };

/** The routes that take a body, each with a valid body to build on. */
const ROUTES = [
  { method: "POST", path: "/v1/placements", valid: seed },
  { method: "POST", path: "/v1/candidates", valid: seed },
  { method: "POST", path: "/v1/hosts", valid: seedHost },
  { method: "PATCH", path: "/v1/hosts/live", valid: { status: "draining" } },
] as const;

async function cluster() {
  const registry = new MemoryRegistry();
  await registry.addHost(host("live", 4, 4096, { zone: "a" }));
  await registry.commit({ placement: placement("live", 100, 100) });
  const { api, scheduler } = inProcessApi(registry, {
    snapshotMaxAgeMs: 0,
    maxAttempts: 5,
    engines: noEngines,
  });
  const send = async (method: string, path: string, body: string) => {
    const response = await api(apiEvent(method, path, { body }));
    return { status: response.statusCode, body: JSON.parse(response.body ?? "{}") };
  };
  const state = async () => JSON.stringify(await registry.listHosts());
  return { registry, scheduler, send, state };
}

/** `inner` wrapped in `levels` arrays or objects, as the value of `field`. */
function nestedIn(valid: object, field: string, levels: number, kind: "array" | "object") {
  const [open, close] = kind === "array" ? ["[", "]"] : ['{"k":', "}"];
  const inner = `${open.repeat(levels)}${kind === "array" ? "" : "1"}${close.repeat(levels)}`;
  return `${JSON.stringify(valid).slice(0, -1)},"${field}":${inner}}`;
}

describe("hostile bodies", () => {
  it(`refuses bodies nested deeper than ${MAX_JSON_DEPTH} levels, up to the size limit, on every route (400)`, async () => {
    const { send, state } = await cluster();
    const before = await state();
    // The deepest a body within the size limit can nest: almost all of it brackets.
    const deepest = Math.floor((MAX_BODY_BYTES - 200) / 2);
    for (const route of ROUTES) {
      for (const kind of ["array", "object"] as const) {
        for (const levels of [MAX_JSON_DEPTH, 6000, kind === "array" ? deepest : deepest / 3]) {
          const answer = await send(route.method, route.path, nestedIn(route.valid, "labels", levels, kind));
          expect(answer.status, `${route.path} ${kind} ${levels}`).toBe(400);
          expect(answer.body).toMatchObject({
            error: "invalid_request",
            message: `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
          });
        }
      }
    }
    expect(await state()).toBe(before);
  });

  it(`judges bodies of ${MAX_JSON_DEPTH} levels on their content, not their depth`, async () => {
    const { send } = await cluster();
    const answer = await send(
      "POST",
      "/v1/placements",
      nestedIn(seed, "labels", MAX_JSON_DEPTH - 1, "array"),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([{ path: "labels", message: expect.any(String) }]);
  });

  it("refuses __proto__, constructor and prototype keys anywhere in any body, naming the path (400)", async () => {
    const { send, state } = await cluster();
    const before = await state();
    for (const route of ROUTES) {
      for (const key of ["__proto__", "constructor", "prototype"]) {
        const body = JSON.stringify(route.valid).slice(0, -1);
        const cases: [string, string][] = [
          [`${body},"labels":{"ok":"1","${key}":{"polluted":"yes"}}}`, `labels.${key}`],
          [`${body},"${key}":{"polluted":true}}`, key],
          [`${body},"constraints":[{"a":{"${key}":1}}]}`, `constraints.0.a.${key}`],
        ];
        for (const [text, path] of cases) {
          const answer = await send(route.method, route.path, text);
          expect(answer.status, text).toBe(400);
          expect(answer.body.details).toEqual([{ path, message: `the key "${key}" is not allowed` }]);
        }
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await state()).toBe(before);
  });

  it("refuses labels in Citadel's own namespace on placements and hosts (400)", async () => {
    const { send, state } = await cluster();
    const before = await state();
    for (const route of ROUTES) {
      for (const key of ["citadel.placement", "citadel.scheduler", "Citadel.anything"]) {
        const answer = await send(
          route.method,
          route.path,
          JSON.stringify({ ...route.valid, labels: { [key]: "x" } }),
        );
        expect(answer.status, `${route.path} ${key}`).toBe(400);
        expect(answer.body.details).toEqual([
          { path: `labels.${key}`, message: `label keys starting with "citadel." are Citadel's own` },
        ]);
      }
    }
    expect(await state()).toBe(before);
    // A key that merely contains the word is the caller's.
    const own = await send(
      "POST",
      "/v1/placements",
      JSON.stringify({ ...seed, labels: { "my.citadel": "x" } }),
    );
    expect(own.status).toBe(201);
  });

  it("stores the validated request with the placement, each field as sent and nothing else", async () => {
    const { send, registry } = await cluster();
    const sent = {
      type: "service",
      image: "crosbymichael/redis",
      cpus: "0.20",
      memory: 512,
      constraints: ["zone == a"],
      labels: { app: "web" },
      run: false,
    };
    const answer = await send("POST", "/v1/placements", JSON.stringify(sent));
    expect(answer.status).toBe(201);
    expect(answer.body.container).toEqual(sent);
    const stored = (await registry.getPlacement(answer.body.placement.id))?.placement;
    expect(stored?.container).toEqual(sent);
    expect(Object.keys(stored?.container ?? {}).sort()).toEqual(Object.keys(sent).sort());
  });

  it("stores nothing the schema did not check, even from a scheduler event that skipped the router", async () => {
    const { scheduler, registry } = await cluster();
    // zod's records skip a `__proto__` key instead of refusing it; the router refuses it first, and
    // the scheduler stores its own rebuilt copy of the request whatever it is sent.
    const container = JSON.parse(`{"image":"redis:7","cpus":1,"memory":64,"type":"batch",
      "labels":{"app":"web","__proto__":{"polluted":"yes"}}}`);
    const result = await scheduler({
      type: "batch",
      container,
      correlationId: "c",
      deliveryId: "d",
      caller: "anonymous",
    });
    expect(result.statusCode).toBe(201);
    const stored = (await registry.getPlacement((result.body.placement as { id: string }).id))?.placement;
    expect(JSON.stringify(stored?.container)).toBe(
      '{"image":"redis:7","cpus":1,"memory":64,"type":"batch","labels":{"app":"web"}}',
    );
    expect(Object.hasOwn(stored?.container.labels ?? {}, "__proto__")).toBe(false);
  });
});
