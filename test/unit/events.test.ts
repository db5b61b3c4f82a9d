import { readdirSync, readFileSync } from "node:fs";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { dockerEngines } from "../../shared/adapters/docker-engines.js";
import type { ScheduleEvent } from "../../shared/adapters/invoker.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { type Allowlist, parseAllowlist } from "../../shared/core/address.js";
import { inProcessApi } from "../../shared/local/in-process.js";

// The sample events in events/ (also used with `sam local invoke`), replayed in this order through
// the handlers, with the status each must get: they stay true as the API changes.
const API_EVENTS: [file: string, status: number][] = [
  ["get-healthz", 200],
  ["get-schedulers", 200],
  ["post-host", 201],
  ["post-host", 409],
  ["post-host-invalid", 400],
  ["get-hosts", 200],
  ["get-hosts-page", 200],
  ["get-hosts-invalid-cursor", 400],
  ["get-host", 200],
  ["patch-host", 200],
  ["post-placement", 201],
  ["post-candidates", 200],
  ["post-placement-invalid", 400],
  ["post-placement-unknown-type", 400],
  ["post-placement-unschedulable", 409],
  ["get-placements-by-host", 200],
  ["get-placement-unknown", 404],
  ["delete-host-busy", 409],
  ["get-cluster", 200],
  ["post-hosts-refresh", 200],
  ["get-image-profile-unknown", 404],
  ["get-unknown-route", 404],
];
const SCHEDULER_EVENTS: [file: string, status: number][] = [["scheduler-service", 201]];

function loopbackOnly(): Allowlist {
  const allowlist = parseAllowlist("127.0.0.0/8");
  if (typeof allowlist === "string") throw new Error(allowlist);
  return allowlist;
}

function load<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../../events/${file}.json`, import.meta.url), "utf8")) as T;
}

describe("sample events", () => {
  // The events' host (10.0.0.1) is registered but never contacted: these engines allow loopback only,
  // so the refresh's probe of it fails as `address not allowed` before any connection.
  const { api, scheduler } = inProcessApi(new MemoryRegistry(), {
    snapshotMaxAgeMs: 0,
    maxAttempts: 5,
    refresh: { downAfter: 3, graceMs: 300_000, timeoutMs: 200, concurrency: 4 },
    engines: dockerEngines({}, { timeoutMs: 200, allowlist: loopbackOnly() }),
  });

  it("every file in events/ is replayed here", () => {
    const files = readdirSync(new URL("../../events/", import.meta.url)).map((file) =>
      file.replace(/\.json$/, ""),
    );
    const replayed = new Set([...API_EVENTS, ...SCHEDULER_EVENTS].map(([file]) => file));
    expect(files.sort()).toEqual([...replayed].sort());
  });

  it("API Gateway events get their statuses from the router, in order", async () => {
    const statuses: [string, number | undefined][] = [];
    for (const [file] of API_EVENTS) {
      const response = await api(load<APIGatewayProxyEventV2>(file));
      statuses.push([file, response.statusCode]);
      expect(response.headers?.["content-type"]).toBe("application/json");
    }
    expect(statuses).toEqual(API_EVENTS);
  });

  it("scheduler events get their statuses from the scheduler", async () => {
    for (const [file, status] of SCHEDULER_EVENTS) {
      expect((await scheduler(load<ScheduleEvent>(file))).statusCode).toBe(status);
    }
  });
});
