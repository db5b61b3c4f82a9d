import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../shared/local/stack.js";
import { type ApiAnswer, apiCall } from "../support/api-client.js";
import { type FakeEngines, startFakeEngines } from "../support/fake-engines.js";
import { type RogueEngine, startRogueEngine } from "../support/rogue-engine.js";
import { BOTH_STORES } from "../support/stores.js";

const ANONYMOUS = "0123456789abcdef".repeat(4);
/** What each fake engine's `GET /volumes` lists: vol-1 holds pgdata. */
const VOLUMES = [["pgdata", "shared"], ["shared", ANONYMOUS], []];
const NO_HOST = "volume cache on no host (create: true would create it)";

// Named volumes through the local API, on both stores: hosts learn theirs from the refresh (fake engines
// on 127.0.0.1 answer `GET /volumes`), requests go where their volumes are or create them, what cannot
// be placed says which volume, and run mode mounts them (a rogue engine on 127.0.0.1 records the create).
describe.each(BOTH_STORES)("volumes (%s store)", (_store, start) => {
  let stack: LocalStack;
  let engines: FakeEngines;
  let runner: RogueEngine;
  const call = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    apiCall(stack.url, method, path, body);
  const request = (volumes: unknown, extra: Record<string, unknown> = {}) => ({
    image: "postgres:16",
    cpus: "0.1",
    memory: 64,
    type: "service",
    volumes,
    ...extra,
  });
  const place = (volumes: unknown, extra: Record<string, unknown> = {}) =>
    call("POST", "/v1/placements", request(volumes, extra));

  beforeAll(async () => {
    stack = await start();
    engines = await startFakeEngines(3, { volumesOf: (index) => VOLUMES[index] ?? [] });
    runner = await startRogueEngine();
    const addrs = [...engines.addrs, runner.addr];
    for (const [at, addr] of addrs.entries()) {
      const id = at < 3 ? `vol-${at + 1}` : "vol-run";
      expect((await call("POST", "/v1/hosts", { addr, id })).status).toBe(201);
    }
    const refreshed = await call("POST", "/v1/hosts/refresh");
    expect([refreshed.status, refreshed.body.answered]).toEqual([200, 4]);
  });

  afterAll(async () => {
    await stack?.stop();
    await engines?.close();
    await runner?.close();
  });

  it("shows each host's named volumes as the refresh listed them", async () => {
    const listed = await call("GET", "/v1/hosts");
    const volumes = Object.fromEntries(
      listed.body.hosts.map((host: { id: string; volumes: string[] }) => [host.id, host.volumes]),
    );
    expect(volumes).toEqual({
      "vol-1": ["pgdata", "shared"],
      "vol-2": ["shared"],
      "vol-3": [],
      "vol-run": [],
    });
  });

  it("places a request on the host that holds its volume, echoing the volumes as parsed", async () => {
    const pgdata = { name: "pgdata", path: "/var/lib/postgresql/data" };
    for (let count = 0; count < 3; count++) {
      const placed = await place([pgdata]);
      expect([placed.status, placed.body.resource.id]).toEqual([201, "vol-1"]);
      expect(placed.body.placement.volumes).toEqual([{ ...pgdata, create: false }]);
      expect(placed.body.container.volumes).toEqual([{ ...pgdata, create: false }]);
    }
    // A volume held elsewhere is never created on another host.
    const created = await place([{ ...pgdata, create: true }]);
    expect([created.status, created.body.resource.id]).toEqual([201, "vol-1"]);
    const shared = await place([{ name: "shared", path: "/shared" }]);
    expect(["vol-1", "vol-2"]).toContain(shared.body.resource.id);
    const read = await call("GET", `/v1/placements/${encodeURIComponent(created.body.placement.id)}`);
    expect(read.body.placement.volumes).toEqual([{ ...pgdata, create: true }]);
  });

  it("answers 409 naming a volume no host holds, and one held by a host the request cannot use", async () => {
    const nowhere = await place([{ name: "cache", path: "/cache" }]);
    expect(nowhere.status).toBe(409);
    expect(nowhere.body).toMatchObject({
      error: "unschedulable",
      message: `0/4 hosts are available: 4 ${NO_HOST}.`,
      reasons: { [NO_HOST]: 4 },
    });
    const elsewhere = await place([{ name: "pgdata", path: "/data" }], { constraints: ["host==vol-2"] });
    expect([elsewhere.status, elsewhere.body.reasons]).toEqual([
      409,
      { "constraint host==vol-2 not met": 3, "volume pgdata on another host": 1 },
    ]);
  });

  it("creates a volume no host holds where the container lands; the next request for it goes there", async () => {
    const created = await place([{ name: "cache", path: "/cache", create: true }]);
    expect(created.status).toBe(201);
    const where = created.body.resource.id;
    for (const create of [false, true]) {
      const next = await place([{ name: "cache", path: "/var/cache", create }]);
      expect([next.status, next.body.resource.id]).toEqual([201, where]);
    }
    const candidates = await call("POST", "/v1/candidates", request([{ name: "cache", path: "/cache" }]));
    expect(candidates.status).toBe(200);
    expect(candidates.body.candidates.map((one: { host: { id: string } }) => one.host.id)).toEqual([where]);
    expect(candidates.body.infeasible).toEqual({ "volume cache on another host": 3 });
  });

  it("refuses malformed volumes with a 400 naming them", async () => {
    const bad = await place([
      { name: "pg data", path: "/data" },
      { name: "logs", path: "logs" },
      { name: "x", path: "/a/../b", create: "yes" },
      { name: "y", path: "/data" },
    ]);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((issue: { path: string }) => issue.path).sort()).toEqual([
      "volumes.0.name",
      "volumes.1.path",
      "volumes.2.create",
      "volumes.2.path",
    ]);
    const twice = await place([
      { name: "a", path: "/data" },
      { name: "b", path: "/data" },
    ]);
    expect([twice.status, twice.body.details]).toEqual([
      400,
      [{ path: "volumes.1.path", message: "/data is mounted twice" }],
    ]);
    const many = await place(Array.from({ length: 17 }, (_, at) => ({ name: `v${at}`, path: `/v${at}` })));
    expect([many.status, many.body.details]).toEqual([
      400,
      [{ path: "volumes", message: "at most 16 volumes" }],
    ]);
  });

  it("run mode mounts the volumes in the container it creates", async () => {
    const volumes = [
      { name: "scratch", path: "/scratch", create: true },
      { name: "scratch", path: "/also/scratch", create: true },
    ];
    const ran = await place(volumes, { run: true, constraints: ["host==vol-run"], command: ["sleep", "60"] });
    expect([ran.status, ran.body.resource.id]).toEqual([201, "vol-run"]);
    const [container] = runner.created();
    expect(container?.hostConfig).toMatchObject({
      Mounts: [
        { Type: "volume", Source: "scratch", Target: "/scratch" },
        { Type: "volume", Source: "scratch", Target: "/also/scratch" },
      ],
    });
  });
});
