import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { localStackOnFreshTables } from "../support/dynamodb.js";
import { placement } from "../support/fixtures.js";

// The API over real HTTP against the local stack that `npm start` runs: its own DynamoDB Local, the
// router and scheduler handlers, API Gateway events built from the requests.
let stack: LocalStack;

beforeAll(async () => {
  stack = await localStackOnFreshTables();
});

afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked by the assertions themselves
  body: any;
}

/** One HTTP call; bodies that are not strings are sent as JSON. */
async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  base = stack.url,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

/** Registers a host in a pool of its own, so tests can aim at it with a `pool==` constraint. */
async function registerHost(id: string, cpus: number, memory: number, pool: string) {
  const answer = await call("POST", "/v1/hosts", {
    addr: `${id}.test:2375`,
    id,
    total_cpus: cpus,
    total_memory: memory,
    labels: { pool },
  });
  expect(answer.status).toBe(201);
}

const seed = { image: "crosbymichael/redis", cpus: "0.2", memory: 512, type: "service" };

describe("hosts", () => {
  it("registers hosts (201), refuses a duplicate (409) and bad input (400)", async () => {
    const created = await call("POST", "/v1/hosts", {
      addr: "127.0.1.1:2375",
      labels: { zone: "a" },
      total_cpus: 4,
      total_memory: 8192,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe("/v1/hosts/127-0-1-1-2375");
    expect(created.body).toMatchObject({
      id: "127-0-1-1-2375",
      addr: "127.0.1.1:2375",
      labels: { zone: "a" },
      status: "ready",
      total_cpus: 4,
      total_memory: 8192,
      reserved_cpus: 0,
      reserved_memory: 0,
    });
    expect((await call("POST", "/v1/hosts", { addr: "127.0.1.1:2375" })).body.error).toBe("host_exists");

    const bad = await call("POST", "/v1/hosts", {
      addr: "http://127.0.1.1:2375",
      total_cpus: "-1",
      extra: true,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("invalid_request");
    expect(bad.body.details.map((detail: { path: string }) => detail.path).sort()).toEqual([
      "",
      "addr",
      "total_cpus",
    ]);
  });

  it("lists, reads (200) and reports unknown hosts (404)", async () => {
    await call("POST", "/v1/hosts", {
      addr: "127.0.1.9:2375",
      id: "listed",
      total_cpus: "0.5",
      total_memory: 256,
    });
    const listed = await call("GET", "/v1/hosts");
    expect(listed.status).toBe(200);
    const host = listed.body.hosts.find((entry: { id: string }) => entry.id === "listed");
    expect(host).toMatchObject({
      total_cpus: 0.5,
      total_memory: 256,
      reserved_cpus: 0,
      reserved_memory: 0,
      status: "ready",
    });
    expect((await call("GET", "/v1/hosts/listed")).body.id).toBe("listed");
    expect((await call("GET", "/v1/hosts/nobody")).status).toBe(404);
    expect((await call("GET", "/v1/hosts/bad%20id")).status).toBe(404);
  });

  it("patches status, labels and totals (200), refusing bad values (400), unknown hosts (404)", async () => {
    await call("POST", "/v1/hosts", {
      addr: "127.0.1.10:2375",
      id: "patched",
      total_cpus: 1,
      total_memory: 1024,
    });
    const drained = await call("PATCH", "/v1/hosts/patched", { status: "draining", labels: { disk: "ssd" } });
    expect(drained.status).toBe(200);
    expect(drained.body).toMatchObject({ status: "draining", labels: { disk: "ssd" } });
    expect((await call("PATCH", "/v1/hosts/patched", { total_cpus: 2 })).body.total_cpus).toBe(2);
    expect((await call("PATCH", "/v1/hosts/patched", { status: "down" })).status).toBe(400);
    expect((await call("PATCH", "/v1/hosts/patched", {})).status).toBe(400);
    expect((await call("PATCH", "/v1/hosts/ghost", { status: "ready" })).status).toBe(404);
  });
});

describe("placements", () => {
  beforeAll(async () => {
    await registerHost("p1", 2, 4096, "p");
    await registerHost("p2", 2, 4096, "p");
  });

  it("places the seed's container and answers the seed's shape (201)", async () => {
    const placed = await call("POST", "/v1/placements", { ...seed, constraints: ["pool==p"] });
    expect(placed.status).toBe(201);
    expect(placed.body.container).toEqual({ ...seed, constraints: ["pool==p"] });
    expect(Object.keys(placed.body.resource).sort()).toEqual(["addr", "id", "total_cpus", "total_memory"]);
    expect(["p1", "p2"]).toContain(placed.body.resource.id);
    expect(placed.body.resource).toMatchObject({ total_cpus: 2, total_memory: 4096 });
    expect(placed.body.placement).toMatchObject({ scheduler: "service", cpus: 0.2, memory: 512 });
    expect(placed.body.placement.id.startsWith(`${placed.body.resource.id}.`)).toBe(true);

    const read = await call("GET", `/v1/placements/${placed.body.placement.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(placed.body);
    const host = await call("GET", `/v1/hosts/${placed.body.resource.id}`);
    expect(host.body).toMatchObject({ reserved_cpus: 0.2, reserved_memory: 512, placements: 1 });

    const listed = await call("GET", `/v1/placements?host=${placed.body.resource.id}`);
    expect(listed.body.placements.map((entry: Answer["body"]) => entry.placement.id)).toContain(
      placed.body.placement.id,
    );

    expect((await call("DELETE", `/v1/placements/${placed.body.placement.id}`)).status).toBe(204);
    expect((await call("DELETE", `/v1/placements/${placed.body.placement.id}`)).status).toBe(204);
    expect((await call("GET", `/v1/placements/${placed.body.placement.id}`)).status).toBe(404);
    expect((await call("GET", `/v1/hosts/${placed.body.resource.id}`)).body.reserved_cpus).toBe(0);
  });

  it("spreads replicas of a service onto distinct hosts, even onto a fuller one", async () => {
    // s1 stays the less allocated host after one replica: only the replica rule sends the second to s2.
    await registerHost("s1", 16, 32768, "s");
    await registerHost("s2", 2, 4096, "s");
    const request = { ...seed, image: "example/spread:1", constraints: ["pool==s"] };
    const placed = [
      await call("POST", "/v1/placements", request),
      await call("POST", "/v1/placements", request),
    ];
    expect(placed.map((answer) => answer.body.resource.id)).toEqual(["s1", "s2"]);
    // Another image starts on the least allocated host again.
    const other = await call("POST", "/v1/placements", { ...request, image: "example/other:1" });
    expect(other.body.resource.id).toBe("s1");
    for (const answer of [...placed, other]) {
      expect((await call("DELETE", `/v1/placements/${answer.body.placement.id}`)).status).toBe(204);
    }
  });

  it("refuses malformed requests with 400 naming each problem, and unknown types naming the known ones", async () => {
    const bad = await call("POST", "/v1/placements", {
      image: "Not An Image",
      cpus: "0.0001",
      memory: -5,
      type: "service",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((detail: { path: string }) => detail.path).sort()).toEqual([
      "cpus",
      "image",
      "memory",
    ]);
    const unknownType = await call("POST", "/v1/placements", { ...seed, type: "quantum" });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.message).toBe("type: unknown type; known types: service, batch, gpu");
    expect((await call("POST", "/v1/placements", "{not json")).body.error).toBe("invalid_json");
    expect((await call("POST", "/v1/placements", [seed])).status).toBe(400);
    expect((await call("POST", "/v1/placements", { ...seed, extra: 1 })).status).toBe(400);
  });

  it("answers 409 unschedulable with how many hosts failed on what", async () => {
    const tooBig = await call("POST", "/v1/placements", { ...seed, cpus: 3, constraints: ["pool==p"] });
    expect(tooBig.status).toBe(409);
    expect(tooBig.body.error).toBe("unschedulable");
    expect(tooBig.body.reasons["insufficient cpu"]).toBe(2);
    expect(tooBig.body.message).toMatch(/^0\/\d+ hosts are available: .*2 insufficient cpu/);
    const nowhere = await call("POST", "/v1/placements", { ...seed, constraints: ["pool==none"] });
    expect(nowhere.body.reasons["constraint pool==none not met"]).toBeGreaterThanOrEqual(2);
  });

  it("honours Idempotency-Key: same body, same placement, charged once; another body, 409", async () => {
    const body = { ...seed, image: "example/idem:1", constraints: ["pool==p"] };
    const headers = { "idempotency-key": "deploy-7f3a" };
    const first = await call("POST", "/v1/placements", body, headers);
    const again = await call("POST", "/v1/placements", body, headers);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const host = await call("GET", `/v1/placements?host=${first.body.resource.id}`);
    const images = host.body.placements.map((entry: Answer["body"]) => entry.container.image);
    expect(images.filter((image: string) => image === "example/idem:1")).toHaveLength(1);

    const reused = await call("POST", "/v1/placements", { ...body, memory: 256 }, headers);
    expect(reused.status).toBe(409);
    expect(reused.body.error).toBe("idempotency_key_reused");
    expect((await call("POST", "/v1/placements", body, { "idempotency-key": "x".repeat(256) })).status).toBe(
      400,
    );
  });

  it("admits exactly what fits when requests race over HTTP", async () => {
    await registerHost("race", 1, 1024, "race");
    const body = {
      image: "example/race:1",
      cpus: "0.1",
      memory: 64,
      type: "batch",
      constraints: ["pool==race"],
    };
    const answers = await Promise.all(Array.from({ length: 30 }, () => call("POST", "/v1/placements", body)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.every((status) => [201, 409, 503].includes(status))).toBe(true);
    const host = await call("GET", "/v1/hosts/race");
    expect(host.body).toMatchObject({ reserved_cpus: 1, reserved_memory: 640, placements: 10 });
  });

  it("places nothing on a draining host", async () => {
    await registerHost("drain", 8, 8192, "drain");
    await call("PATCH", "/v1/hosts/drain", { status: "draining" });
    const refused = await call("POST", "/v1/placements", { ...seed, constraints: ["pool==drain"] });
    expect(refused.status).toBe(409);
    const hosts = (await call("GET", "/v1/hosts")).body.hosts as { status: string }[];
    const draining = hosts.filter((host) => host.status === "draining").length;
    expect(refused.body.reasons).toEqual({
      "host draining": draining,
      "constraint pool==drain not met": hosts.length - draining,
    });
  });

  it("answers 404 for placements it does not know and 400 for unknown query parameters", async () => {
    expect((await call("GET", "/v1/placements/p1.zzzzzzzzzzzz")).status).toBe(404);
    expect((await call("GET", "/v1/placements/garbage")).status).toBe(404);
    expect((await call("DELETE", "/v1/placements/garbage")).status).toBe(404);
    expect((await call("GET", "/v1/placements?host=ghost")).status).toBe(404);
    expect((await call("GET", "/v1/placements?hots=p1")).status).toBe(400);
  });
});

describe("deleting hosts", () => {
  it("refuses to delete a host with live placements (409) unless forced (204)", async () => {
    await registerHost("gone", 1, 1024, "gone");
    const placed = await call("POST", "/v1/placements", { ...seed, constraints: ["pool==gone"] });
    expect(placed.status).toBe(201);
    const busy = await call("DELETE", "/v1/hosts/gone");
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ error: "host_busy", placements: 1 });
    expect((await call("DELETE", "/v1/hosts/gone?force=maybe")).status).toBe(400);
    expect((await call("DELETE", "/v1/hosts/gone?force=true")).status).toBe(204);
    expect((await call("DELETE", "/v1/hosts/gone")).status).toBe(404);
    expect((await call("DELETE", `/v1/placements/${placed.body.placement.id}`)).status).toBe(204);
  });

  it("refuses to shrink a host below what is reserved (409)", async () => {
    await registerHost("shrink", 2, 1024, "shrink");
    await call("POST", "/v1/placements", { ...seed, cpus: 1, constraints: ["pool==shrink"] });
    const refused = await call("PATCH", "/v1/hosts/shrink", { total_cpus: "0.5" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe("capacity_below_reserved");
  });
});

describe("the rest of the API", () => {
  it("lists scheduler types, sums the cluster, answers health", async () => {
    const schedulers = await call("GET", "/v1/schedulers");
    expect(schedulers.body.schedulers.map((entry: { type: string }) => entry.type)).toEqual([
      "service",
      "batch",
      "gpu",
    ]);
    const cluster = await call("GET", "/v1/cluster");
    expect(cluster.status).toBe(200);
    expect(cluster.body.hosts.total).toBeGreaterThan(0);
    expect(cluster.body.utilisation.cpu).toBeGreaterThan(0);
    expect((await call("GET", "/healthz")).body).toEqual({ status: "ok" });
  });

  it("answers 404 for unknown routes and 405 with Allow for wrong methods", async () => {
    expect((await call("GET", "/v2/nothing")).status).toBe(404);
    const wrong = await call("PUT", "/v1/placements");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST, GET");
  });

  it("answers 415 for bodies that are not JSON and 413 for bodies over 64 KiB", async () => {
    const form = await call("POST", "/v1/hosts", "addr=x", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.status).toBe(415);
    const huge = await call("POST", "/v1/placements", { ...seed, labels: { a: "x".repeat(70_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe("payload_too_large");
    // Past 1 MiB the local server stops reading and answers the same.
    const enormous = await call("POST", "/v1/placements", "a".repeat(2_000_000));
    expect([enormous.status, enormous.body.error]).toEqual([413, "payload_too_large"]);
  });

  it("carries a correlation id back, the caller's own when it sent a valid one", async () => {
    expect(
      (await call("GET", "/healthz", undefined, { "x-correlation-id": "trace-123" })).headers.get(
        "x-correlation-id",
      ),
    ).toBe("trace-123");
    expect((await call("GET", "/healthz")).headers.get("x-correlation-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("contention", () => {
  it("answers 503 with Retry-After when the commit attempts run out", async () => {
    // One commit attempt per request, and a scheduler whose cached view is stale: another scheduler
    // filled the host behind its back. Its commit fails and, with no attempt left, it answers 503 (not
    // a false 409); the next request learns the host is full and answers 409.
    const tight = await startLocalStack({
      store: "memory",
      port: 0,
      snapshotMaxAgeMs: 60_000,
      maxAttempts: 1,
    });
    try {
      await call(
        "POST",
        "/v1/hosts",
        { addr: "10.9.0.1:2375", id: "tight", total_cpus: 1, total_memory: 1024 },
        {},
        tight.url,
      );
      const half = { ...seed, cpus: "0.5" };
      expect((await call("POST", "/v1/placements", half, {}, tight.url)).status).toBe(201);
      const elsewhere = placement("tight", 500, 512);
      expect(await tight.registry.commit({ placement: elsewhere })).toMatchObject({ kind: "committed" });

      const refused = await call("POST", "/v1/placements", half, {}, tight.url);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(refused.body.error).toBe("contention");
      expect((await call("POST", "/v1/placements", half, {}, tight.url)).status).toBe(409);
      expect((await tight.registry.getHost("tight"))?.placements).toHaveLength(2);
    } finally {
      await tight.stop();
    }
  });
});
