import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { promisify } from "node:util";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { DockerEngines } from "../../shared/adapters/docker-engines.js";
import { dockerTlsSource } from "../../shared/adapters/docker-tls.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbProfileStore } from "../../shared/adapters/dynamodb/profiles.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import type { RefreshSettings } from "../../shared/core/observe.js";
import type { RefreshReport } from "../../shared/core/refresh.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { startLocalStack } from "../../shared/local/stack.js";
import { apiEvent } from "../support/api-event.js";
import {
  docker,
  dockerMissing,
  makeCertificates,
  removeAllContainers,
  TEST_IMAGE,
  type TestEngine,
  testEngine,
} from "../support/docker-engines.js";
import { PATIENT } from "../support/dynamodb.js";
import { freshTables } from "../support/tables.js";

// Real Docker engines (Debian's docker.io): three dockerd on 127.0.0.2-4 started by the global setup
// (the third lacks the test image), against DynamoDB Local, through the router and scheduler handlers.
// Without dockerd the setup fails in CI; elsewhere these tests are skipped with a message.
const engineNumbers = inject("dockerEngines");
if (engineNumbers.length === 0) console.warn(`skipping the Docker engine tests: ${dockerMissing()}`);
const engines = engineNumbers.map((n) => testEngine(n));

const SETTINGS: RefreshSettings = { downAfter: 2, graceMs: 1500, timeoutMs: 4000, concurrency: 8 };

let api: ReturnType<typeof inProcessApi>["api"];

beforeEach(async () => {
  if (engines.length === 0) return;
  await Promise.all(engines.map(removeAllContainers));
  const endpoint = inject("dynamodbEndpoint");
  const client = dynamoDbClient(endpoint, PATIENT);
  const tables = await freshTables(endpoint);
  ({ api } = inProcessApi(new DynamoDbRegistry(client, tables), {
    snapshotMaxAgeMs: 0,
    maxAttempts: 5,
    refresh: SETTINGS,
    profiles: new DynamoDbProfileStore(client, tables.profiles),
  }));
});

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked by the assertions themselves
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const answer = await api(apiEvent(method, path, body === undefined ? {} : { body: JSON.stringify(body) }));
  return { status: answer.statusCode ?? 0, body: JSON.parse(String(answer.body ?? "{}")) };
}

async function refresh(): Promise<RefreshReport> {
  const answer = await call("POST", "/v1/hosts/refresh");
  expect(answer.status).toBe(200);
  return answer.body;
}

async function register(engine: TestEngine, extra: Record<string, unknown> = {}) {
  const id = `e${engine.ip.split(".").at(-1)}`;
  const answer = await call("POST", "/v1/hosts", { addr: engine.addr, id, ...extra });
  expect(answer.status).toBe(201);
  return id;
}

function engine(index: number): TestEngine {
  return engines[index] as TestEngine;
}

const request = (extra: Record<string, unknown> = {}) => ({
  image: TEST_IMAGE,
  cpus: "0.5",
  memory: 64,
  type: "service",
  ...extra,
});

describe.skipIf(engines.length === 0)("Docker hosts, against real engines", () => {
  it("detects capacity from /info; declared totals stay the schedulable capacity", async () => {
    const detected = await register(engine(0));
    const declared = await register(engine(1), { total_cpus: "1", total_memory: 512 });
    expect((await call("GET", `/v1/hosts/${detected}`)).body.total_cpus).toBeNull();

    const report = await refresh();
    expect([report.hosts, report.answered, report.down]).toEqual([2, 2, 0]);
    const info = await docker(engine(0), "GET", "/info");
    const host = (await call("GET", `/v1/hosts/${detected}`)).body;
    expect(host.total_cpus).toBe(info.NCPU);
    expect(host.total_memory).toBe(Math.floor(info.MemTotal / 1024 / 1024));
    expect(host.engine.version).toBe(info.ServerVersion);
    expect(host.events.map((event: { action: string }) => event.action)).toContain("detected");
    const kept = (await call("GET", `/v1/hosts/${declared}`)).body;
    expect([kept.total_cpus, kept.total_memory, kept.declared_cpus]).toEqual([1, 512, 1]);
    expect(kept.engine.detected_cpus).toBe(info.NCPU);
  });

  it("counts a container started outside Citadel as used capacity", async () => {
    const id = await register(engine(0), { total_cpus: "2", total_memory: 1024 });
    await docker(engine(0), "POST", "/containers/create?name=outsider", {
      Image: TEST_IMAGE,
      Cmd: ["sleep", "600"],
      HostConfig: { NanoCpus: 1_500_000_000, Memory: 256 * 1024 * 1024 },
    });
    await docker(engine(0), "POST", "/containers/outsider/start");
    await refresh();
    const host = (await call("GET", `/v1/hosts/${id}`)).body;
    expect(host.engine).toMatchObject({
      unmanaged_containers: 1,
      unmanaged_cpus: 1.5,
      unmanaged_memory: 256,
    });
    expect([host.reserved_cpus, host.reserved_memory]).toEqual([0, 0]);
    expect(host.events.at(-1)).toMatchObject({ action: "unmanaged" });
    // 2 cpus minus the outsider's 1.5 leave 0.5: one 0.5 placement fits, a second does not.
    expect((await call("POST", "/v1/placements", request())).status).toBe(201);
    const refused = await call("POST", "/v1/placements", request());
    expect([refused.status, refused.body.reasons]).toEqual([409, { "insufficient cpu": 1 }]);
  });

  it("releases a reservation whose container never ran, and one whose container exited", async () => {
    const id = await register(engine(0));
    await refresh();
    const never = (await call("POST", "/v1/placements", request())).body.placement.id;
    const exited = (await call("POST", "/v1/placements", request())).body.placement.id;
    const created = await docker(engine(0), "POST", "/containers/create", {
      Image: TEST_IMAGE,
      Cmd: ["sh", "-c", "exit 3"],
      Labels: { "citadel.placement": exited },
    });
    await docker(engine(0), "POST", `/containers/${created.Id}/start`);
    await docker(engine(0), "POST", `/containers/${created.Id}/wait`);

    const first = await refresh(); // within the grace period: only the exited one goes
    expect(first.released).toBe(1);
    expect((await call("GET", `/v1/placements/${exited}`)).status).toBe(404);
    expect((await call("GET", `/v1/placements/${never}`)).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, SETTINGS.graceMs + 100));
    expect((await refresh()).released).toBe(1);
    expect((await call("GET", `/v1/placements/${never}`)).status).toBe(404);
    const host = (await call("GET", `/v1/hosts/${id}`)).body;
    expect([host.placements, host.reserved_cpus]).toEqual([0, 0]);
    const details = host.events.filter((event: { action: string }) => event.action === "released");
    expect(details.map((event: { detail: string }) => event.detail)).toEqual([
      expect.stringMatching(
        new RegExp(`^${exited.replace(".", "\\.")}: container \\w{12} exited \\(exit code 3\\)$`),
      ),
      `${never}: no container ran within 1.5 s`,
    ]);
  });

  it("runs the container with the requested limits, and moves on when it does not start", async () => {
    const good = await register(engine(0), { labels: { pool: "a" } });
    // Emptier, so spread prefers it, but it lacks the image.
    const bad = await register(engine(2), { labels: { pool: "a" }, total_cpus: "64", total_memory: 65536 });
    await refresh();
    const answer = await call(
      "POST",
      "/v1/placements",
      request({ run: true, command: ["sleep", "600"], constraints: ["pool==a"], labels: { team: "x" } }),
    );
    expect([answer.status, answer.body.resource.id]).toEqual([201, good]);
    const inspected = await docker(engine(0), "GET", `/containers/${answer.body.container_id}/json`);
    expect([inspected.State.Running, inspected.Name]).toEqual([true, `/citadel-${answer.body.placement.id}`]);
    expect([inspected.HostConfig.NanoCpus, inspected.HostConfig.Memory]).toEqual([
      500_000_000,
      64 * 1024 * 1024,
    ]);
    expect(inspected.Config.Labels).toMatchObject({
      "citadel.placement": answer.body.placement.id,
      "citadel.scheduler": "service",
      team: "x",
    });
    expect((await call("GET", `/v1/hosts/${bad}`)).body.placements).toBe(0);
    // Refreshes keep a placement whose container runs.
    expect((await refresh()).released).toBe(0);

    const nowhere = await call("POST", "/v1/placements", request({ run: true, constraints: [`node==none`] }));
    expect(nowhere.status).toBe(409);
    const only = await call(
      "POST",
      "/v1/placements",
      request({ run: true, constraints: ["pool==a"], cpus: "1.6" }),
    );
    expect([only.status, only.body.error, only.body.failures.length]).toEqual([409, "not_started", 1]);
    expect(only.body.message).toMatch(/no other host can take it/);
    // Docker's create answers 404 when the image is not on the host; its text is never passed on.
    expect(only.body.failures[0]).toEqual({ host: bad, error: "http 404" });
    const after = (await call("GET", `/v1/hosts/${bad}`)).body;
    expect([after.placements, after.reserved_cpus]).toEqual([0, 0]);
  });

  it("run mode publishes the placement's host ports, the dynamic one from the host's range", async () => {
    const id = await register(engine(0), { port_range: "31000-31009" });
    await refresh();
    const answer = await call(
      "POST",
      "/v1/placements",
      request({
        run: true,
        command: ["sleep", "600"],
        ports: [
          { container: 80, host: 8080 },
          { container: 53, protocol: "udp" },
        ],
      }),
    );
    expect([answer.status, answer.body.resource.id]).toEqual([201, id]);
    const [web, dns] = answer.body.placement.ports;
    expect(web).toEqual({ container: 80, host: 8080, protocol: "tcp" });
    expect(dns.host).toBeGreaterThanOrEqual(31000);
    expect(dns.host).toBeLessThanOrEqual(31009);
    // The engine holds the bindings as created (these test engines run without a bridge network, so
    // it records them and publishes nothing: what Docker was asked is what this checks).
    const inspected = await docker(engine(0), "GET", `/containers/${answer.body.container_id}/json`);
    expect(inspected.HostConfig.PortBindings).toEqual({
      "80/tcp": [{ HostIp: "", HostPort: "8080" }],
      "53/udp": [{ HostIp: "", HostPort: String(dns.host) }],
    });
    expect(Object.keys(inspected.Config.ExposedPorts).sort()).toEqual(["53/udp", "80/tcp"]);
    // A second container for port 8080 finds it taken on the only host.
    const again = await call(
      "POST",
      "/v1/placements",
      request({ run: true, ports: [{ container: 80, host: 8080 }] }),
    );
    expect([again.status, again.body.reasons]).toEqual([409, { "port 8080/tcp taken": 1 }]);
  });

  it("places a request naming a volume on the engine that holds it; run mode mounts it, and creates a new one", async () => {
    const [kept, fresh] = ["citadel-test-pgdata", "citadel-test-fresh"];
    const dropVolumes = () =>
      Promise.all(
        [engine(0), engine(1)].flatMap((one) =>
          [kept, fresh].map((name) =>
            docker(one, "DELETE", `/volumes/${name}?force=true`).catch(() => undefined),
          ),
        ),
      );
    await dropVolumes();
    try {
      const holder = await register(engine(0));
      const other = await register(engine(1));
      await docker(engine(0), "POST", "/volumes/create", { Name: kept });
      await refresh();
      expect((await call("GET", `/v1/hosts/${holder}`)).body.volumes).toContain(kept);
      expect((await call("GET", `/v1/hosts/${other}`)).body.volumes).not.toContain(kept);

      const mounted = await call(
        "POST",
        "/v1/placements",
        request({ run: true, command: ["sleep", "600"], volumes: [{ name: kept, path: "/data" }] }),
      );
      expect([mounted.status, mounted.body.resource.id]).toEqual([201, holder]);
      expect(mounted.body.placement.volumes).toEqual([{ name: kept, path: "/data", create: false }]);
      const inspected = await docker(engine(0), "GET", `/containers/${mounted.body.container_id}/json`);
      expect(inspected.HostConfig.Mounts).toEqual([{ Type: "volume", Source: kept, Target: "/data" }]);
      expect(inspected.Mounts).toContainEqual(
        expect.objectContaining({ Type: "volume", Name: kept, Destination: "/data" }),
      );

      // A volume no engine holds, with create: Docker makes it where the container lands, and the next
      // refresh lists it there (and the placement's record says so before).
      const created = await call(
        "POST",
        "/v1/placements",
        request({
          run: true,
          command: ["sleep", "600"],
          volumes: [{ name: fresh, path: "/fresh", create: true }],
        }),
      );
      expect(created.status).toBe(201);
      const landed = created.body.resource.id === holder ? engine(0) : engine(1);
      const listed: { Volumes: { Name: string }[] } = await docker(landed, "GET", "/volumes");
      expect(listed.Volumes.map((volume) => volume.Name)).toContain(fresh);
      await refresh();
      expect((await call("GET", `/v1/hosts/${created.body.resource.id}`)).body.volumes).toContain(fresh);
      const next = await call("POST", "/v1/placements", request({ volumes: [{ name: fresh, path: "/x" }] }));
      expect([next.status, next.body.resource.id]).toEqual([201, created.body.resource.id]);
    } finally {
      await Promise.all([engine(0), engine(1)].map(removeAllContainers));
      await dropVolumes();
    }
  });

  it("run mode with an Idempotency-Key: a retry finds the container it started instead of starting another", async () => {
    const id = await register(engine(0));
    await refresh();
    const keyed = async () => {
      const answer = await api(
        apiEvent("POST", "/v1/placements", {
          body: JSON.stringify(request({ run: true, command: ["sleep", "600"] })),
          headers: { "idempotency-key": "k-1" },
        }),
      );
      return {
        status: answer.statusCode,
        headers: answer.headers ?? {},
        body: JSON.parse(String(answer.body)),
      };
    };
    const first = await keyed();
    expect(first.status).toBe(201);
    const name = `/citadel-${first.body.placement.id}`;
    // The answer was lost: the caller retries. Docker answers the create 409 (the name is taken): that one.
    const again = await keyed();
    expect([again.status, again.headers["idempotent-replayed"], again.body.container_id]).toEqual([
      201,
      "true",
      first.body.container_id,
    ]);
    const containers: { Id: string; Names: string[]; State: string }[] = await docker(
      engine(0),
      "GET",
      "/containers/json?all=true",
    );
    expect(containers.map((c) => [c.Id, c.Names[0], c.State])).toEqual([
      [first.body.container_id, name, "running"],
    ]);
    expect((await call("GET", `/v1/hosts/${id}`)).body).toMatchObject({ placements: 1, reserved_cpus: 0.5 });

    // A container that ran and ended is the answer, never started again, even once its placement is released.
    await docker(engine(0), "POST", `/containers/${first.body.container_id}/stop?t=0`);
    expect((await keyed()).body.container_id).toBe(first.body.container_id);
    expect((await refresh()).released).toBe(1);
    expect((await keyed()).body.container_id).toBe(first.body.container_id);
    const after = await docker(engine(0), "GET", `/containers/${first.body.container_id}/json`);
    expect(after.State.Running).toBe(false);
    expect((await call("GET", `/v1/hosts/${id}`)).body).toMatchObject({ placements: 0, reserved_cpus: 0 });
  });

  it("feeds live usage and the image profile from container stats", async () => {
    const id = await register(engine(0));
    await refresh();
    const busy = await call(
      "POST",
      "/v1/placements",
      request({ run: true, cpus: "0.25", memory: 128, command: ["sh", "-c", "while :; do :; done"] }),
    );
    expect(busy.status).toBe(201);
    for (let round = 0; round < 5; round++) await refresh();
    const host = (await call("GET", "/v1/hosts")).body.hosts.find((h: { id: string }) => h.id === id);
    expect(host.engine.used_cpus).toBeGreaterThan(0.15);
    expect(host.engine.used_cpus).toBeLessThan(0.3);
    const profile = await call("GET", `/v1/images/${TEST_IMAGE}/profile`);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ image: TEST_IMAGE, samples: 5 });
    expect(profile.body.cpus.requested_mean).toBe(0.25);
    expect(profile.body.cpus.used_p95).toBeGreaterThan(0.15);
    // A busy loop presses against its cpu limit (throttled): its request is too small.
    expect(profile.body.cpus.verdict).toBe("undersized");
    expect(profile.body.memory.used_max).toBeLessThan(16);
    expect(profile.body.memory.verdict).toBe("oversized");
    expect((await call("GET", "/v1/images/redis:7/profile")).status).toBe(404);
    expect((await call("GET", "/v1/images/NOT A REF/profile")).status).toBe(400);
  });

  it("marks a host down after K failed probes, places nothing on it, and takes it back", async () => {
    const ids = [await register(engine(0)), await register(engine(1))];
    await refresh();
    await engine(1).stop();
    const first = await refresh();
    expect(first.results.find((result) => result.id === ids[1])).toMatchObject({
      ok: false,
      status: "ready",
    });
    const second = await refresh();
    expect(second.results.find((result) => result.id === ids[1])).toMatchObject({
      ok: false,
      status: "down",
    });
    const host = (await call("GET", `/v1/hosts/${ids[1]}`)).body;
    expect(host.status_reason).toMatch(/^no answer from its Docker engine in 2 probes/);
    for (let i = 0; i < 6; i++) {
      const placed = await call("POST", "/v1/placements", request({ cpus: "0.1" }));
      expect([placed.status, placed.body.resource.id]).toEqual([201, ids[0]]);
    }
    await engine(1).start();
    const back = await refresh();
    expect(back.results.find((result) => result.id === ids[1])).toMatchObject({ ok: true, status: "ready" });
    const events = (await call("GET", `/v1/hosts/${ids[1]}`)).body.events.map(
      (e: { action: string }) => e.action,
    );
    expect(events).toEqual(expect.arrayContaining(["status down", "status ready"]));
  }, 120_000);

  it("a host that never answers delays no other host beyond its own timeout", async () => {
    const silent = await silentServer();
    try {
      await register(engine(0));
      const port = (silent.address() as { port: number }).port;
      expect((await call("POST", "/v1/hosts", { addr: `127.0.0.1:${port}`, id: "silent" })).status).toBe(201);
      const report = await refresh();
      const stuck = report.results.find((result) => result.id === "silent");
      const healthy = report.results.find((result) => result.id !== "silent");
      expect(stuck?.ok).toBe(false);
      expect(stuck?.ms).toBeGreaterThanOrEqual(SETTINGS.timeoutMs - 50);
      expect(healthy?.ok).toBe(true);
      expect(healthy?.ms).toBeLessThan(SETTINGS.timeoutMs / 2);
    } finally {
      silent.close();
    }
  });
});

describe.skipIf(engines.length === 0)("a Docker host on TLS", () => {
  it("is read with client certificates, and not without them", async () => {
    const ip = "127.0.0.5";
    const certificates = makeCertificates(ip);
    const secure = testEngine(5, certificates);
    await secure.start();
    try {
      const endpoint = inject("dynamodbEndpoint");
      const registry = new DynamoDbRegistry(dynamoDbClient(endpoint, PATIENT), await freshTables(endpoint));
      const withCertificates = new DockerEngines({
        tls: dockerTlsSource({ CITADEL_DOCKER_CERT_PATH: certificates }),
        timeoutMs: SETTINGS.timeoutMs,
        allows: () => true,
      });
      const without = new DockerEngines({
        tls: async () => undefined,
        timeoutMs: SETTINGS.timeoutMs,
        allows: () => true,
      });
      const tlsApi = inProcessApi(registry, {
        snapshotMaxAgeMs: 0,
        maxAttempts: 5,
        refresh: SETTINGS,
        engines: withCertificates,
      });
      const plainApi = inProcessApi(registry, {
        snapshotMaxAgeMs: 0,
        maxAttempts: 5,
        refresh: SETTINGS,
        engines: without,
      });
      const registered = await tlsApi.api(
        apiEvent("POST", "/v1/hosts", { body: JSON.stringify({ addr: secure.addr, id: "secure" }) }),
      );
      expect(JSON.parse(String(registered.body))).toMatchObject({ addr: "127.0.0.5:2376", tls: true });

      const refused = await plainApi.refresh();
      expect(refused.results[0]).toMatchObject({
        ok: false,
        error: "host secure uses TLS but no Docker client certificates are configured",
      });
      const read = await tlsApi.refresh();
      expect(read.results[0]).toMatchObject({ ok: true, status: "ready" });
      expect((await registry.getHost("secure"))?.engine?.cpuMilli).toBeGreaterThan(0);
    } finally {
      await secure.stop();
    }
  });
});

describe.skipIf(engines.length === 0)("the README's Docker session", () => {
  it("runs as written against a real engine on 127.0.0.2", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Docker hosts"));
    const script = [...section.matchAll(/```sh\n([\s\S]*?)```/g)][0]?.[1] ?? "";
    expect(script).toContain("127.0.0.2:2375");
    const stack = await startLocalStack({ store: "memory", port: 0, snapshotMaxAgeMs: 0, maxAttempts: 5 });
    try {
      const port = new URL(stack.url).port;
      const bash = `set -euo pipefail\ncurl() { command curl "$@"; echo; }\n${script.replaceAll("localhost:3000", `127.0.0.1:${port}`)}`;
      const { stdout } = await promisify(execFile)("bash", ["-c", bash], { encoding: "utf8" });
      const lines = stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line));
      expect(lines[0]).toMatchObject({ id: "engine-1", total_cpus: null });
      expect(lines[1]).toMatchObject({ hosts: 1, answered: 1, down: 0 });
      expect(lines[2]).toMatchObject({ resource: { id: "engine-1" }, container_id: expect.any(String) });
      const info = await docker(engine(0), "GET", "/info");
      expect(lines[3]).toMatchObject({
        id: "engine-1",
        total_cpus: info.NCPU,
        placements: 1,
        reserved_cpus: 0.1,
      });
      const inspected = await docker(engine(0), "GET", `/containers/${lines[2].container_id}/json`);
      expect([inspected.State.Running, inspected.HostConfig.NanoCpus]).toEqual([true, 100_000_000]);
    } finally {
      await stack.stop();
    }
  });
});

/** A TCP server that accepts connections and never answers: a host that hangs. */
async function silentServer(): Promise<Server & { sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = Object.assign(
    createServer((socket) => sockets.push(socket)),
    { sockets },
  );
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
