import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { type ApiAnswer, apiCall } from "../support/api-client.js";
import { localStackOnFreshTables } from "../support/dynamodb.js";

// POST /v1/candidates over real HTTP against the local stack, on both stores.
const STORES = {
  memory: () => startLocalStack({ store: "memory", port: 0, snapshotMaxAgeMs: 2000, maxAttempts: 5 }),
  dynamodb: localStackOnFreshTables,
};

describe.each(Object.entries(STORES))("POST /v1/candidates on the %s store", (_, start) => {
  let stack: LocalStack;

  const call = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    apiCall(stack.url, method, path, body);

  /** Everything a client can read of the cluster: hosts, placements, totals. */
  async function cluster() {
    return Promise.all([
      call("GET", "/v1/hosts"),
      call("GET", "/v1/placements"),
      call("GET", "/v1/cluster"),
    ]).then((answers) => answers.map((answer) => answer.body));
  }

  const web = { image: "team/web:1", cpus: "1", memory: 1024, type: "service" };
  const ids = (answer: ApiAnswer) =>
    answer.body.candidates.map((entry: { host: { id: string } }) => entry.host.id);

  beforeAll(async () => {
    stack = await start();
    for (const [n, cpus, zone] of [
      [1, 8, "a"],
      [2, 4, "a"],
      [3, 2, "b"],
      [4, 1, "b"],
    ] as const) {
      const added = await call("POST", "/v1/hosts", {
        addr: `127.0.2.${n}:2375`,
        id: `c${n}`,
        total_cpus: cpus,
        total_memory: cpus * 1024,
        labels: { zone },
      });
      expect(added.status).toBe(201);
    }
    // One replica of the web image on c2: the service type ranks it after the others.
    const placed = await call("POST", "/v1/placements", { ...web, constraints: ["host==c2"], type: "batch" });
    expect(placed.body.resource.id).toBe("c2");
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("ranks every feasible host, best first, with its view, scores and free capacity, and counts the others", async () => {
    const ranked = await call("POST", "/v1/candidates", web);
    expect(ranked.status).toBe(200);
    expect(Object.keys(ranked.body).sort()).toEqual(["candidates", "hosts", "infeasible"]);
    // c2 runs a replica of the image: last, though c4 will be full with it.
    expect(ids(ranked)).toEqual(["c1", "c3", "c4", "c2"]);
    expect(ranked.body.hosts).toBe(4);
    expect(ranked.body.infeasible).toEqual({});
    const { events: _, ...c1 } = (await call("GET", "/v1/hosts/c1")).body;
    expect(ranked.body.candidates[0]).toEqual({
      host: c1,
      score: 128 + 1 - 1 / 8,
      scores: { replicas: 128, "least-allocated": 1 - 1 / 8 },
      free: { cpus: 8, memory: 8192 },
    });
    expect(ranked.body.candidates[3]).toMatchObject({ score: 127 + 0.5, free: { cpus: 3, memory: 3072 } });

    // Batch: the host in use first (c2: in-use 1 at 0.03; best-fit 0.5 + (1 − 2 / 8) / 2, 2 CPUs left of
    // the largest host's 8, at 0.004; no host has GPUs, so GPU fragmentation is left out), then the
    // empty ones, the largest first.
    const batch = await call("POST", "/v1/candidates", { ...web, type: "batch" });
    expect(ids(batch)).toEqual(["c2", "c1", "c3", "c4"]);
    expect(batch.body.candidates[0]).toMatchObject({
      score: 0.03 + 0.875 * 0.004,
      scores: { "in-use": 0.03, "gpu-fragmentation": 0, "best-fit": 0.875 * 0.004 },
    });
  });

  it("counts why hosts cannot take it, and caps the list at ?limit=", async () => {
    const zoned = await call("POST", "/v1/candidates?limit=1", { ...web, cpus: 2, constraints: ["zone==b"] });
    expect(zoned.status).toBe(200);
    expect(ids(zoned)).toEqual(["c3"]);
    expect(zoned.body).toMatchObject({
      hosts: 4,
      infeasible: { "constraint zone==b not met": 2, "insufficient cpu": 1 },
    });
    expect(ids(await call("POST", "/v1/candidates?limit=2", web))).toEqual(["c1", "c3"]);
    expect(ids(await call("POST", "/v1/candidates?limit=100", web))).toHaveLength(4);
  });

  it("leaves the cluster unchanged, and the placement that follows lands on the best candidate", async () => {
    const before = await cluster();
    const asked = { ...web, image: "team/batch:2", type: "batch", run: true };
    const answers = await Promise.all(Array.from({ length: 5 }, () => call("POST", "/v1/candidates", asked)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await cluster()).toEqual(before);

    const { run: _, ...placing } = asked;
    const placed = await call("POST", "/v1/placements", placing);
    expect(placed.body.resource.id).toBe(ids(answers[0] as ApiAnswer)[0]);
    expect((await call("DELETE", `/v1/placements/${placed.body.placement.id}`)).status).toBe(204);
  });

  it("answers 409 unschedulable as a placement does, naming the reasons, and reserves nothing", async () => {
    const before = await cluster();
    const huge = { ...web, cpus: 16 };
    const refused = await call("POST", "/v1/candidates", huge);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: "unschedulable",
      message: "0/4 hosts are available: 4 insufficient cpu.",
      hosts: 4,
      reasons: { "insufficient cpu": 4 },
    });
    expect((await call("POST", "/v1/placements", huge)).body).toEqual(refused.body);
    const nowhere = await call("POST", "/v1/candidates", { ...web, constraints: ["zone==c"] });
    expect(nowhere.body.reasons).toEqual({ "constraint zone==c not met": 4 });
    expect(await cluster()).toEqual(before);
  });

  it("refuses bad bodies as placements do, and a bad limit, with 400s naming each problem", async () => {
    const bad = await call("POST", "/v1/candidates", {
      image: "Not An Image",
      cpus: "0.0001",
      type: "quantum",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((detail: { path: string }) => detail.path).sort()).toEqual([
      "cpus",
      "image",
      "memory",
      "type",
    ]);
    expect((await call("POST", "/v1/candidates", "{not json")).body.error).toBe("invalid_json");
    expect((await call("POST", "/v1/candidates", [web])).status).toBe(400);
    expect((await call("POST", "/v1/candidates", { ...web, extra: 1 })).status).toBe(400);
    for (const limit of ["0", "-1", "101", "1.5", "ten", "", "0010"]) {
      const refused = await call("POST", `/v1/candidates?limit=${limit}`, web);
      expect([limit, refused.status, refused.body.details]).toEqual([
        limit,
        400,
        [{ path: "limit", message: "must be an integer from 1 to 100" }],
      ]);
    }
    // Both at once: each named.
    const both = await call("POST", "/v1/candidates?limit=0", { ...web, memory: -1 });
    expect(both.body.details.map((detail: { path: string }) => detail.path)).toEqual(["memory", "limit"]);
    expect((await call("POST", "/v1/candidates?top=1", web)).status).toBe(400);
    expect((await call("GET", "/v1/candidates")).status).toBe(405);
  });
});
