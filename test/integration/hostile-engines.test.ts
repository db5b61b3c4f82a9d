import { once } from "node:events";
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { DockerEngines } from "../../shared/adapters/docker-engines.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import { EngineError } from "../../shared/core/engine.js";
import { newHost } from "../../shared/core/host.js";
import type { RefreshSettings } from "../../shared/core/observe.js";
import type { RefreshReport } from "../../shared/core/refresh.js";
import { amounts } from "../../shared/core/resources.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { apiEvent } from "../support/api-event.js";
import { PATIENT } from "../support/dynamodb.js";
import { type RogueEngine, type RogueOptions, startRogueEngine } from "../support/rogue-engine.js";
import { freshTables } from "../support/tables.js";

// Hostile Docker engines (test/support/rogue-engine.ts) against the real adapter, the router and the
// scheduler, over DynamoDB Local: whatever an engine answers, Citadel keeps its own words, its own
// bounds and its own time.

const SETTINGS: RefreshSettings = { downAfter: 2, graceMs: 60_000, timeoutMs: 2000, concurrency: 8 };
/** How much later than its deadline a call may return: generous, this is no benchmark. */
const MARGIN_MS = 3000;
const SECRET = "s3cr3t-token-of-another-service";

const rogues: RogueEngine[] = [];
let registry: DynamoDbRegistry;
let api: ReturnType<typeof inProcessApi>["api"];

beforeEach(async () => {
  const endpoint = inject("dynamodbEndpoint");
  registry = new DynamoDbRegistry(dynamoDbClient(endpoint, PATIENT), await freshTables(endpoint));
  ({ api } = inProcessApi(registry, { snapshotMaxAgeMs: 0, maxAttempts: 5, refresh: SETTINGS }));
});

afterEach(async () => {
  await Promise.all(rogues.splice(0).map((rogue) => rogue.close()));
});

async function rogue(options: RogueOptions = {}): Promise<RogueEngine> {
  const started = await startRogueEngine(options);
  rogues.push(started);
  return started;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const answer = await api(
    apiEvent(method, path, { headers, ...(body !== undefined && { body: JSON.stringify(body) }) }),
  );
  const text = String(answer.body ?? "{}");
  return {
    status: answer.statusCode ?? 0,
    headers: answer.headers ?? {},
    text,
    // biome-ignore lint/suspicious/noExplicitAny: answers are JSON, checked by the assertions themselves
    body: JSON.parse(text) as any,
  };
}

async function register(id: string, engine: { addr: string }, extra: Record<string, unknown> = {}) {
  expect((await call("POST", "/v1/hosts", { addr: engine.addr, id, ...extra })).status).toBe(201);
}

async function refresh(): Promise<{ report: RefreshReport; text: string }> {
  const answer = await call("POST", "/v1/hosts/refresh");
  expect(answer.status).toBe(200);
  return { report: answer.body, text: answer.text };
}

function resultOf(report: RefreshReport, id: string) {
  return report.results.find((result) => result.id === id);
}

const adapter = (options: Partial<ConstructorParameters<typeof DockerEngines>[0]> = {}) =>
  new DockerEngines({ tls: async () => undefined, timeoutMs: 60_000, allows: () => true, ...options });

const hostAt = (addr: string) => newHost({ addr, id: "h" }, new Date());

describe("an engine's answers are untrusted input", () => {
  it("nonsense numbers in /info fail the host's probe with a fixed reason; the cluster's totals stay numbers", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["lots", { NCPU: "lots" }, "invalid answer: NCPU"],
      ["negative", { NCPU: -4 }, "invalid answer: NCPU"],
      ["huge", { NCPU: 1e300 }, "invalid answer: NCPU"],
      ["fraction", { NCPU: 2.5 }, "invalid answer: NCPU"],
      ["nan", { MemTotal: "NaN" }, "invalid answer: MemTotal"],
      ["no-id", { ID: "" }, "invalid answer: ID"],
      ["bad-id", { ID: "<script>" }, "invalid answer: ID"],
    ];
    for (const [id, info] of cases) await register(id, await rogue({ info }));
    await register("sane", await rogue());
    const { report } = await refresh();
    for (const [id, , error] of cases) expect(resultOf(report, id)).toMatchObject({ ok: false, error });
    expect(resultOf(report, "sane")).toMatchObject({ ok: true });
    const cluster = (await call("GET", "/v1/cluster")).body;
    expect([cluster.total_cpus, cluster.total_memory]).toEqual([4, 8192]);
    expect(Number.isFinite(cluster.utilisation.cpu)).toBe(true);
  });

  it("a volume list that is not one fails the probe; names no request could give are not kept", async () => {
    const cases: [string, unknown, string][] = [
      ["not-a-list", { Volumes: "pgdata" }, "invalid answer: volumes.Volumes"],
      ["bad-name", { Volumes: [{ Name: 5 }] }, "invalid answer: volumes.Volumes[].Name"],
      ["long-name", { Volumes: [{ Name: "v".repeat(2000) }] }, "invalid answer: volumes.Volumes[].Name"],
    ];
    for (const [id, json] of cases) await register(id, await rogue({ routes: { "GET /volumes": { json } } }));
    const odd = [{ Name: "<script>" }, { Name: "a".repeat(64) }, { Name: "data" }, { Name: "x".repeat(65) }];
    await register("odd", await rogue({ routes: { "GET /volumes": { json: { Volumes: odd } } } }));
    await register("none", await rogue({ routes: { "GET /volumes": { json: { Volumes: null } } } }));
    const { report } = await refresh();
    for (const [id, , error] of cases) expect(resultOf(report, id)).toMatchObject({ ok: false, error });
    expect([resultOf(report, "odd")?.ok, resultOf(report, "none")?.ok]).toEqual([true, true]);
    expect((await call("GET", "/v1/hosts/odd")).body.volumes).toEqual(["data"]);
    expect((await call("GET", "/v1/hosts/none")).body.volumes).toEqual([]);
  });

  it("a 300 KB ServerVersion fails the probe, and the host's item stays small enough to place on", async () => {
    await register("verbose", await rogue({ info: { ServerVersion: "9".repeat(300_000) } }), {
      total_cpus: 2,
      total_memory: 1024,
    });
    const { report, text } = await refresh();
    expect(resultOf(report, "verbose")).toMatchObject({ ok: false, error: "invalid answer: ServerVersion" });
    expect(text.length).toBeLessThan(2000);
    const placed = await call("POST", "/v1/placements", {
      image: "redis:7",
      cpus: 1,
      memory: 128,
      type: "service",
    });
    expect([placed.status, placed.body.resource?.id]).toEqual([201, "verbose"]);
    expect(JSON.stringify(await registry.getHost("verbose")).length).toBeLessThan(8000);
  });

  it("an engine's error body is never stored nor shown, only `http <status>`", async () => {
    await register(
      "leaky",
      await rogue({ routes: { "GET /info": { status: 500, body: `{"message":"${SECRET}"}` } } }),
    );
    const answers = [(await refresh()).text, (await refresh()).text];
    const { report } = await refresh();
    expect(resultOf(report, "leaky")).toMatchObject({ ok: false, status: "down", error: "http 500" });
    answers.push((await call("GET", "/v1/hosts")).text, (await call("GET", "/v1/hosts/leaky")).text);
    for (const text of answers) expect(text).not.toContain(SECRET);
    const host = (await call("GET", "/v1/hosts/leaky")).body;
    expect([host.health.last_error, host.status_reason]).toEqual([
      "http 500",
      "no answer from its Docker engine in 2 probes: http 500",
    ]);
  });

  it("refused, timeout, unreachable: Citadel's words, whatever the socket said", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const port = (closed.address() as { port: number }).port;
    closed.close();
    await register("closed", { addr: `127.0.0.1:${port}` });
    await register("silent", await rogue({ routes: { "GET /info": { hang: true } } }));
    await register("garbled", await rogue({ routes: { "GET /info": { status: 200, body: "<html>" } } }));
    const { report } = await refresh();
    expect(resultOf(report, "closed")?.error).toBe("refused");
    expect(resultOf(report, "silent")?.error).toBe("timeout");
    expect(resultOf(report, "garbled")?.error).toBe("invalid answer: body");
  });

  it(`more than the containers a host may hold (20,000 listed) fail its probe`, async () => {
    const crowded = await rogue({ containers: 20_000 });
    await register("crowded", crowded);
    const { report } = await refresh();
    expect(resultOf(report, "crowded")).toMatchObject({ ok: false, error: "invalid answer: containers" });
    // Docker is asked for one more than the limit; this one answered all of them anyway.
    expect(crowded.requests).toContain("GET /containers/json?all=true&limit=1001");
  });

  it("an oversized answer is refused while it is read, not after", async () => {
    const flood = await rogue({ routes: { "GET /info": { bytes: 64 * 1024 * 1024, chunkMs: 1 } } });
    await expect(adapter().read(hostAt(flood.addr), AbortSignal.timeout(30_000))).rejects.toThrow(
      new EngineError("too large"),
    );
    await flood.allClosed();
    // The answer's cap is 1 MiB; what the engine wrote beyond it stayed in socket buffers, unread.
    expect(flood.bodyBytesWritten()).toBeLessThan(16 * 1024 * 1024);
  });

  it("a field of an inspect out of bounds fails the probe, naming Citadel's field", async () => {
    const odd = await rogue({
      containers: 1,
      routes: {
        "GET /containers/*/json": {
          json: {
            Id: "a".repeat(64),
            State: { Running: true, ExitCode: 1e20, StartedAt: "2026-01-01T00:00:00Z" },
            HostConfig: { NanoCpus: 0, Memory: 0 },
            Config: { Labels: {} },
          },
        },
      },
    });
    await register("odd", odd);
    expect(resultOf((await refresh()).report, "odd")?.error).toBe("invalid answer: container.State.ExitCode");
  });
});

describe("deadlines that hold", () => {
  it("an engine that answers one byte every 400 ms is cut off at the deadline, its socket closed", async () => {
    const slow = await rogue({ routes: { "GET /info": { drip: 400 } } });
    const started = performance.now();
    await expect(adapter().read(hostAt(slow.addr), AbortSignal.timeout(1500))).rejects.toThrow(
      new EngineError("timeout"),
    );
    expect(performance.now() - started).toBeLessThan(1500 + MARGIN_MS);
    await slow.allClosed(MARGIN_MS);
    expect(slow.connections()).toBeGreaterThan(0);

    // The same through a refresh: its probe ends at CITADEL_DOCKER_TIMEOUT_MS.
    await register("slow", slow);
    const { report } = await refresh();
    expect(resultOf(report, "slow")).toMatchObject({ ok: false, error: "timeout" });
    expect(resultOf(report, "slow")?.ms).toBeLessThan(SETTINGS.timeoutMs + MARGIN_MS);
    await slow.allClosed(MARGIN_MS);
  });

  it("the adapter's own timeout ends an operation whose caller gave no deadline", async () => {
    const slow = await rogue({ routes: { "GET /containers/json": { drip: 400 } } });
    const never = new AbortController().signal;
    await expect(adapter({ timeoutMs: 1000 }).read(hostAt(slow.addr), never)).rejects.toThrow(
      new EngineError("timeout"),
    );
    await slow.allClosed(MARGIN_MS);
  });
});

describe("the address contacted is the address checked", () => {
  it("an address the allowlist refuses is never contacted, however it is named", async () => {
    const target = await rogue();
    const refuses = adapter({ allows: (ip) => ip !== "127.0.0.1", resolve: async () => ["127.0.0.1"] });
    const signal = () => AbortSignal.timeout(5000);
    await expect(refuses.read(hostAt(target.addr), signal())).rejects.toThrow(
      new EngineError("address not allowed"),
    );
    await expect(refuses.read(hostAt(`engine.example:${target.port}`), signal())).rejects.toThrow(
      new EngineError("address not allowed"),
    );
    // A name is refused when any of its addresses is.
    const mixed = adapter({
      allows: (ip) => ip !== "10.0.0.9",
      resolve: async () => ["127.0.0.1", "10.0.0.9"],
    });
    await expect(mixed.read(hostAt(`engine.example:${target.port}`), signal())).rejects.toThrow(
      new EngineError("address not allowed"),
    );
    await expect(refuses.run(hostAt(target.addr), spec("h.abcdefgh12345"), signal())).rejects.toThrow(
      new EngineError("address not allowed"),
    );
    expect(target.connections()).toBe(0);
  });

  it("connects to the IP it checked, not to what the name resolves to afterwards", async () => {
    const target = await rogue();
    let lookups = 0;
    const checked: string[] = [];
    const engines = adapter({
      allows: (ip) => {
        checked.push(ip);
        return true;
      },
      resolve: async () => {
        lookups++;
        return ["127.0.0.1"];
      },
    });
    // `.invalid` never resolves (RFC 2606): reaching the engine means the checked IP was used.
    const report = await engines.read(hostAt(`rebind.invalid:${target.port}`), AbortSignal.timeout(5000));
    expect([report.cpuMilli, lookups, checked]).toEqual([4000, 1, ["127.0.0.1"]]);
  });
});

describe("one engine under two addresses is one host", () => {
  it("the host registered later goes down naming the first, takes nothing, and comes back when it differs", async () => {
    const [first, second] = [await rogue({ id: "SAME:ENGINE" }), await rogue({ id: "SAME:ENGINE" })];
    await register("first", first);
    await register("second", second);
    const { report } = await refresh();
    expect(resultOf(report, "first")).toMatchObject({ ok: true, status: "ready" });
    expect(resultOf(report, "second")).toMatchObject({ ok: true, status: "down" });
    const host = (await call("GET", "/v1/hosts/second")).body;
    expect(host.status_reason).toContain("host first");
    // Probed in any order, with the stored engine IDs, the same again.
    expect(resultOf((await refresh()).report, "second")?.status).toBe("down");
    for (let i = 0; i < 4; i++) {
      const placed = await call("POST", "/v1/placements", {
        image: "redis:7",
        cpus: 1,
        memory: 64,
        type: "batch",
      });
      expect([placed.status, placed.body.resource.id]).toEqual([201, "first"]);
    }
    second.set({ id: "ANOTHER:ENGINE" });
    expect(resultOf((await refresh()).report, "second")).toMatchObject({ ok: true, status: "ready" });
  });
});

describe("run mode's deadline", () => {
  /** The scheduler's time (a Lambda's remaining time) is 1.5 s; one engine operation may take 4 s. */
  function shortOfTime() {
    return inProcessApi(registry, {
      snapshotMaxAgeMs: 0,
      maxAttempts: 5,
      refresh: { ...SETTINGS, timeoutMs: 4000 },
      budgetMs: 1500,
    });
  }

  it("answers 503 when its time runs out, reserves nothing, and a retry with the key finds the container", async () => {
    const slow = await rogue({ routes: { "POST /containers/create": { delayMs: 6000 } } });
    const timed = shortOfTime();
    await register("slow", slow, { total_cpus: 2, total_memory: 1024 });
    const body = JSON.stringify({ image: "redis:7", cpus: 1, memory: 64, type: "service", run: true });
    const place = (through = api) =>
      through(apiEvent("POST", "/v1/placements", { body, headers: { "idempotency-key": "job-1" } }));

    const started = performance.now();
    const late = await place(timed.api);
    expect(performance.now() - started).toBeLessThan(1500 + MARGIN_MS);
    expect([late.statusCode, late.headers?.["retry-after"]]).toEqual([503, "1"]);
    expect(JSON.parse(String(late.body))).toMatchObject({
      error: "timeout",
      failures: [{ host: "slow", error: "timeout" }],
    });
    expect((await registry.getHost("slow"))?.placements).toEqual([]);
    await slow.allClosed(MARGIN_MS);
    // The engine created the container all the same (it only answered late).
    expect(slow.created().map((container) => container.state)).toEqual(["created"]);

    // The retry, with the scheduler's usual time, and the engine answering at once again.
    slow.set({ routes: {} });
    const retried = await place();
    expect([retried.statusCode, retried.headers?.["idempotent-replayed"]]).toEqual([201, "true"]);
    const answer = JSON.parse(String(retried.body));
    expect(slow.created().map((container) => [container.id, container.state])).toEqual([
      [answer.container_id, "running"],
    ]);
    expect(slow.created()[0]?.name).toBe(`citadel-${answer.placement.id}`);
    expect((await registry.getHost("slow"))?.placements.map((placement) => placement.id)).toEqual([
      answer.placement.id,
    ]);
    // Once more: the same container, still one.
    expect(JSON.parse(String((await place()).body)).container_id).toBe(answer.container_id);
    expect(slow.created()).toHaveLength(1);
  });

  it("removes a container whose start its deadline cut short: nothing runs unreserved", async () => {
    // The engine starts the container at once but answers after the scheduler's time has run out.
    const late = await rogue({ routes: { "POST /containers/*/start": { delayMs: 6000 } } });
    const timed = shortOfTime();
    await register("late", late, { total_cpus: 2, total_memory: 1024 });
    const body = JSON.stringify({ image: "redis:7", cpus: 1, memory: 64, type: "service", run: true });
    const answer = await timed.api(apiEvent("POST", "/v1/placements", { body }));
    expect(answer.statusCode).toBe(503);
    expect((await registry.getHost("late"))?.placements).toEqual([]);
    expect(late.created()).toEqual([]);
  });

  it("an engine's failure to create is a fixed reason, and the reservation is released", async () => {
    const broken = await rogue({ routes: { "POST /containers/create": { status: 500, body: SECRET } } });
    await register("broken", broken, { total_cpus: 2, total_memory: 1024 });
    const answer = await call("POST", "/v1/placements", {
      image: "redis:7",
      cpus: 1,
      memory: 64,
      type: "service",
      run: true,
    });
    expect([answer.status, answer.body.failures]).toEqual([409, [{ host: "broken", error: "http 500" }]]);
    expect(answer.text).not.toContain(SECRET);
    expect((await registry.getHost("broken"))?.placements).toEqual([]);
  });
});

function spec(placementId: string) {
  return {
    placementId,
    image: "redis:7",
    command: undefined,
    amounts: amounts({ cpu: 100, memory: 64 }),
    ports: [],
    volumes: [],
    labels: {},
  };
}
