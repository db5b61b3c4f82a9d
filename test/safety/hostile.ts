import fc from "fast-check";
import { MAX_BODY_BYTES } from "../../functions/api/http.js";
import { MAX_PAGE_LIMIT } from "../../functions/api/paging.js";
import { parseAddress } from "../../shared/core/address.js";
import { HOST_ID } from "../../shared/core/host.js";
import { MAX_JSON_DEPTH } from "../../shared/core/json-body.js";

/** One hostile HTTP request: each is wrong in at least one way, so each must get a 4xx. */
export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const seedContainer = { image: "crosbymichael/redis", cpus: "0.2", memory: 512, type: "service" };
const seedHost = { addr: "10.1.0.1:2375", total_cpus: 2, total_memory: 1024 };

/** Nested arrays deep enough to hurt a naive recursive parser or validator. */
const deep = (depth: number) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`);

/** Values that are wrong for any field: other types, special numbers, huge and nested things. */
const anyWrong = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, [], {}, "", " ", "NaN", "Infinity", "-Infinity", "__proto__"),
  fc.constantFrom<unknown>(1e308, -1e308, 2 ** 53 + 1, -0.000001, { __proto__: { polluted: true } }),
  fc.integer({ min: 1, max: 3000 }).map(deep),
);

/** Wrong values for a boolean field. */
const notBoolean = fc.oneof(
  anyWrong.filter((value) => typeof value !== "boolean"),
  fc.constantFrom("true", 1, "yes"),
);

/** Wrong values, field by field (each is invalid for that field whatever else the body holds). */
const wrongField: Record<string, fc.Arbitrary<unknown>> = {
  image: fc.oneof(
    anyWrong,
    fc.string({ unit: "grapheme", minLength: 0, maxLength: 40 }).map((text) => `${text}É`),
    fc.constantFrom(
      "upper/Case",
      "Upper",
      "redis:",
      "a//b",
      "-redis",
      "x".repeat(300),
      "redis@sha256:short",
      42,
    ),
  ),
  cpus: fc.oneof(
    anyWrong,
    fc.integer({ max: 0 }),
    fc.constantFrom("0", "-1", "1e3", "0.0001", "1,5", "１", "0x10", "1.", ".5", "2000000", 1.0001, -0.5),
  ),
  memory: fc.oneof(anyWrong, fc.integer({ max: 0 }), fc.constantFrom(1.5, "512", "512m", 2 ** 60)),
  type: fc.oneof(
    anyWrong,
    fc.string({ maxLength: 20 }).filter((type) => type !== "service" && type !== "batch"),
    fc.constantFrom("Service", "gpu", "constructor", "toString"),
  ),
  constraints: fc.oneof(
    anyWrong.filter((value) => !Array.isArray(value) || value.length > 0),
    fc.constantFrom(["zone=a"], [1], "a==b", [{}], Array(40).fill("a==b"), ["=="], [`k==${"v".repeat(300)}`]),
    fc.constantFrom(["zone=~(a"], ["zone=~a(?=b)"], ["zone in ()"], ["zone in a,b"], ["host==a.b"]),
  ),
  labels: fc.oneof(
    anyWrong.filter((value) => typeof value !== "object" || Array.isArray(value) || value === null),
    fc.constantFrom({ __proto__x: "1" }, { ok: 5 }, { "": "v" }, { é: "v" }, { k: "v".repeat(300) }),
    fc.constant(Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`k${index}`, "v"]))),
  ),
  run: notBoolean,
  distinct_hosts: notBoolean,
  gpus: fc.constantFrom(0, -1, 1.5, 0.0001, 17, 1e9, "1", "0.5", null, [], {}, true),
  // Wrong whatever its value: the seed asks no gpus.
  gpu_models: fc.constantFrom("T4", [], [1], ["T4"], ["a b"], Array(20).fill("T4")),
  volumes: fc.constantFrom(
    "pgdata",
    {},
    null,
    [1],
    [{}],
    [{ name: "pg data", path: "/data" }],
    [{ name: "pg", path: "data" }],
    [{ name: "pg", path: "/a/../b" }],
    [{ name: "pg", path: "/" }],
    [{ name: "pg", path: "/data", create: "yes" }],
    [{ name: "pg", path: "/data", readonly: true }],
    [{ name: "x".repeat(65), path: "/data" }],
    [{ name: "pg", path: `/${"d".repeat(300)}` }],
    [
      { name: "a", path: "/data" },
      { name: "b", path: "/data" },
    ],
    Array.from({ length: 17 }, (_, at) => ({ name: `v${at}`, path: `/v${at}` })),
  ),
  command: fc.oneof(
    anyWrong.filter(
      (value) =>
        !Array.isArray(value) ||
        value.length === 0 ||
        value.some((part) => typeof part !== "string" || part.length > 1024),
    ),
    fc.constantFrom("sleep 1", [], [1], Array(70).fill("x"), ["x".repeat(1100)]),
  ),
};

/** A placement body made wrong: hostile values in some fields, a field missing, or one too many. */
const hostilePlacementBody = fc.oneof(
  fc
    .record({
      field: fc.constantFrom(...Object.keys(wrongField)),
      extra: fc.dictionary(fc.constantFrom("image", "cpus", "memory", "type"), anyWrong, { maxKeys: 2 }),
    })
    .chain(({ field, extra }) =>
      (wrongField[field] ?? anyWrong).map((value) =>
        JSON.stringify({ ...seedContainer, ...extra, [field]: value }),
      ),
    ),
  fc.constantFrom("image", "cpus", "memory", "type").map((field) => {
    const { [field as keyof typeof seedContainer]: _, ...rest } = seedContainer;
    return JSON.stringify(rest);
  }),
  fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 12 })
    .filter(
      (key) => !["image", "cpus", "memory", "type", "constraints", "labels", "run", "command"].includes(key),
    )
    .map((key) => JSON.stringify({ ...seedContainer, [key]: 1 })),
  fc.constantFrom(
    '{"__proto__":{"polluted":true},"image":"redis","cpus":1,"memory":1,"type":"service"}',
    '{"constructor":{"prototype":{"polluted":true}},"image":"redis","cpus":1,"memory":1,"type":"service"}',
  ),
);

/** Wrong values for a host's field (a word like "NaN" is a fine host id or host name, so those are checked). */
function hostFieldWrong(field: string): fc.Arbitrary<unknown> {
  if (field === "labels") return wrongField.labels ?? anyWrong;
  if (field === "gpus") {
    return fc.constantFrom(
      2,
      { count: 0, model: "T4" },
      { count: 2 },
      { count: 17, model: "T4" },
      { count: 1.5, model: "T4" },
      { count: 1, model: "" },
      { count: 1, model: "T4", extra: 1 },
    );
  }
  if (field === "id") return anyWrong.filter((value) => typeof value !== "string" || !HOST_ID.test(value));
  if (field === "addr") {
    return anyWrong.filter((value) => typeof value !== "string" || typeof parseAddress(value) === "string");
  }
  return anyWrong;
}

/** A host body made wrong. */
const hostileHostBody = fc.oneof(
  fc
    .constantFrom("addr", "id", "total_cpus", "total_memory", "labels", "gpus")
    .chain((field) => hostFieldWrong(field).map((value) => JSON.stringify({ ...seedHost, [field]: value }))),
  fc.constantFrom(
    JSON.stringify({ ...seedHost, addr: "http://10.1.0.1:2375" }),
    JSON.stringify({ ...seedHost, addr: "host:70000" }),
    JSON.stringify({ ...seedHost, addr: "169.254.169.254:80" }),
    JSON.stringify({ ...seedHost, addr: "0:2375" }),
    JSON.stringify({ ...seedHost, addr: "[fe80::1]:2375" }),
    JSON.stringify({ ...seedHost, id: "dot.ted" }),
    JSON.stringify({ ...seedHost, id: "ünïcode" }),
    JSON.stringify({ ...seedHost, total_cpus: "-1" }),
    JSON.stringify({ total_memory: 0 }),
  ),
);

/** Arrays or objects nested past the depth bound: just past it, thousands deep, or to the size limit. */
const tooDeep = fc
  .record({
    kind: fc.constantFrom("array", "object"),
    levels: fc.oneof(
      fc.constant(MAX_JSON_DEPTH + 1),
      fc.integer({ min: MAX_JSON_DEPTH + 1, max: 6000 }),
      fc.constant(Math.floor(MAX_BODY_BYTES / 6) - 100),
    ),
  })
  .map(({ kind, levels }) =>
    kind === "array"
      ? `${"[".repeat(levels)}${"]".repeat(levels)}`
      : `${'{"k":'.repeat(levels)}1${"}".repeat(levels)}`,
  );

/** Keys that reach JavaScript's prototype machinery, at some level of nesting within the depth bound. */
const forbiddenKeyValue = fc
  .record({
    key: fc.constantFrom("__proto__", "constructor", "prototype"),
    // The root, an array, the wrappers, the key's object and its value: all within the bound.
    depth: fc.integer({ min: 0, max: MAX_JSON_DEPTH - 4 }),
    inArray: fc.boolean(),
  })
  .map(({ key, depth, inArray }) => {
    const inner = `{"${key}":{"polluted":"yes"}}`;
    const wrapped = `${'{"a":'.repeat(depth)}${inner}${"}".repeat(depth)}`;
    return inArray ? `[${wrapped}]` : wrapped;
  });

/**
 * A valid body of `seed` made hostile as text: a field (known, so the schema would look at it, or not)
 * holding nesting past the bound, or a forbidden key at some depth, or such a key at the top.
 */
function hostileText(seed: object, fields: string[]): fc.Arbitrary<string> {
  const start = JSON.stringify(seed).slice(0, -1);
  return fc.oneof(
    fc
      .record({ field: fc.constantFrom(...fields, "extra"), value: fc.oneof(tooDeep, forbiddenKeyValue) })
      .map(({ field, value }) => `${start},"${field}":${value}}`),
    fc
      .constantFrom("__proto__", "constructor", "prototype")
      .map((key) => `${start},"${key}":{"polluted":true}}`),
  );
}

/** Labels in Citadel's own namespace. */
const citadelLabels = fc
  .record({
    key: fc.constantFrom("citadel.placement", "citadel.scheduler", "citadel.x", "CITADEL.placement"),
    others: fc.dictionary(fc.constantFrom("app", "zone", "tier"), fc.constantFrom("a", "b")),
  })
  .map(({ key, others }) => ({ ...others, [key]: "forged" }));

/** Query strings no listing takes: limits out of bounds, cursors it never gave out. */
const base64url = (text: string) => Buffer.from(text).toString("base64url");
const hostilePageQuery = fc.oneof(
  fc
    .oneof(
      fc.constantFrom("0", "-1", "01", "1.5", "1e3", "", " 1", "abc", String(MAX_PAGE_LIMIT + 1)),
      fc.integer({ min: MAX_PAGE_LIMIT + 1 }).map(String),
      fc.string({ maxLength: 6 }).filter((text) => !/^[1-9]\d{0,3}$/.test(text)),
    )
    .map((limit) => ({ limit })),
  fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("!!!", "abc=", "A".repeat(2000)),
      fc
        .constantFrom(
          "not json",
          "[]",
          "{}",
          "null",
          '{"hosts_after":5}',
          '{"placements_after":["live"]}',
          '{"hosts_after":"live","x":1}',
          '{"__proto__":"live"}',
          '{"hosts_after":"bad id!"}',
          '{"placements_after":"live.UPPER"}',
          '{"placements_after":"../x"}',
          '{"next":"live"}',
        )
        .map(base64url),
    )
    .map((next) => ({ next })),
);

/** Text that is not JSON. */
const invalidJson = fc.oneof(
  fc.constantFrom("", "{", "}", "{'a':1}", "[1,]", "NaN", "undefined", '{"a":1}}', "\u0000", "nul"),
  fc.string({ unit: "grapheme", maxLength: 60 }).map((text) => `{${text}`),
);

const json = { "content-type": "application/json" };

/**
 * Hostile requests for the API. `liveHostId` names a host with live placements (so that DELETE
 * without force is refused); every request is wrong, and none may change the cluster.
 */
export function hostileRequests(liveHostId: string): fc.Arbitrary<HostileRequest> {
  return fc.oneof(
    hostilePlacementBody.map((body) => ({ method: "POST", path: "/v1/placements", headers: json, body })),
    hostileHostBody.map((body) => ({ method: "POST", path: "/v1/hosts", headers: json, body })),
    fc
      .oneof(
        hostileText(seedContainer, ["image", "labels", "constraints", "command"]).map((body) => ({
          method: "POST",
          path: "/v1/placements",
          body,
        })),
        hostileText(seedHost, ["addr", "labels"]).map((body) => ({
          method: "POST",
          path: "/v1/hosts",
          body,
        })),
        hostileText({ status: "draining" }, ["status", "labels"]).map((body) => ({
          method: "PATCH",
          path: `/v1/hosts/${liveHostId}`,
          body,
        })),
        citadelLabels.map((labels) => ({
          method: "POST",
          path: "/v1/placements",
          body: JSON.stringify({ ...seedContainer, labels }),
        })),
        citadelLabels.map((labels) => ({
          method: "POST",
          path: "/v1/hosts",
          body: JSON.stringify({ ...seedHost, labels }),
        })),
        citadelLabels.map((labels) => ({
          method: "PATCH",
          path: `/v1/hosts/${liveHostId}`,
          body: JSON.stringify({ labels }),
        })),
      )
      .map((request) => ({ ...request, headers: json })),
    fc
      .record({
        path: fc.constantFrom("/v1/hosts", "/v1/placements", `/v1/placements?host=${liveHostId}`),
        query: hostilePageQuery,
      })
      .map(({ path, query }) => ({
        method: "GET",
        path: `${path}${path.includes("?") ? "&" : "?"}${new URLSearchParams(query)}`,
        headers: {},
      })),
    fc
      .oneof(hostileHostBody, fc.constantFrom('{"status":"down"}', "{}", '{"status":"ready","x":1}'))
      .map((body) => ({
        method: "PATCH",
        path: `/v1/hosts/${liveHostId}`,
        headers: json,
        body,
      })),
    fc
      .record({
        path: fc.constantFrom("/v1/placements", "/v1/hosts", `/v1/hosts/${liveHostId}`),
        body: invalidJson,
      })
      .map(({ path, body }) => ({
        method: path.includes(liveHostId) ? "PATCH" : "POST",
        path,
        headers: json,
        body,
      })),
    fc.constantFrom("/v1/placements", "/v1/hosts").map((path) => ({
      method: "POST",
      path,
      headers: json,
      body: JSON.stringify({ ...seedContainer, labels: { big: "x".repeat(MAX_BODY_BYTES) } }),
    })),
    fc
      .record({
        contentType: fc.constantFrom(
          "text/plain",
          "application/x-www-form-urlencoded",
          "application/xml",
          "image/png",
        ),
        path: fc.constantFrom("/v1/placements", "/v1/hosts"),
      })
      .map(({ contentType, path }) => ({
        method: "POST",
        path,
        headers: { "content-type": contentType },
        body: JSON.stringify(seedContainer),
      })),
    fc
      .webPath()
      .map((path) => (path.startsWith("/") ? path : `/${path}`))
      // Paths as a client sends them (no dot segments to normalise), and none of the API's own.
      .filter((path) => URL.canParse(path, "http://x") && new URL(path, "http://x").pathname === path)
      .filter((path) => !/^\/(v1\/(placements|hosts|schedulers|cluster)|healthz)(\/|$)/.test(path))
      .map((path) => ({ method: "GET", path, headers: {} })),
    fc
      .record({
        method: fc.constantFrom("PUT", "OPTIONS", "PURGE"),
        path: fc.constantFrom("/v1/placements", "/v1/hosts", "/healthz", "/v1/cluster"),
      })
      .map(({ method, path }) => ({ method, path, headers: {} })),
    fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 30 })
      .filter((id) => !/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}\.[a-z0-9]{8,40}$/.test(id))
      .map((id) => ({ method: "DELETE", path: `/v1/placements/${encodeURIComponent(id)}`, headers: {} })),
    fc
      .record({
        name: fc
          .string({ minLength: 1, maxLength: 10 })
          .filter((name) => !["host", "limit", "next"].includes(name)),
        value: fc.string(),
      })
      .map(({ name, value }) => ({
        method: "GET",
        path: `/v1/placements?${new URLSearchParams({ [name]: value })}`,
        headers: {},
      })),
    fc
      .oneof(fc.constant(undefined), fc.constant("false"), fc.string({ maxLength: 8 }))
      .filter((value) => value !== "true")
      .map((value) => ({
        method: "DELETE",
        path: `/v1/hosts/${liveHostId}${value === undefined ? "" : `?${new URLSearchParams({ force: value })}`}`,
        headers: {},
      })),
  );
}

/** Why an answer is not what a hostile request must get (a 4xx with a JSON error), or undefined. */
export function wrongAnswer(status: number, body: string | undefined): string | undefined {
  if (status < 400 || status >= 500) return `status ${status}`;
  try {
    const parsed = JSON.parse(body ?? "");
    if (typeof parsed.error !== "string" || typeof parsed.message !== "string") return `body ${body}`;
  } catch {
    return `body is not JSON: ${body}`;
  }
  if (({} as Record<string, unknown>).polluted !== undefined) return "Object.prototype was polluted";
  return undefined;
}
