import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, inject, it, vi } from "vitest";
import { esbuildOptions, LAMBDA_ENTRIES } from "../../infra/bundling.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import type { TableNames } from "../../shared/adapters/dynamodb/tables.js";
import type { ScheduleEvent, ScheduleResult } from "../../shared/adapters/invoker.js";
import type { RoundReport, Shard } from "../../shared/core/fan-out.js";
import type { RefreshReport } from "../../shared/core/refresh.js";
import { freshTables } from "../support/tables.js";

// Each Lambda bundled as the stack bundles it (infra/bundling.ts), then the sample events replayed
// through the bundles' handlers against DynamoDB Local: what the stack ships loads and answers (an ESM
// bundle missing `__dirname` once crashed the scheduler at init).
type Handler<E, R> = (event: E) => Promise<R>;
type Lambda = keyof typeof LAMBDA_ENTRIES;

/** The Docker engines' client and what only it uses (and the Docker SDKs Citadel once bundled). */
const ENGINE_CLIENT =
  /docker-engines|engine-http|engine-answers|docker-tls|client-secrets-manager|dockerode|ssh2/;
/** The SDK's Lambda client: the router invokes the schedulers and the refresh with it. */
const LAMBDA_CLIENT = /@aws-sdk\/client-lambda\//;

const bundles: Partial<Record<Lambda, string>> = {};
const metafiles: Partial<Record<Lambda, Metafile>> = {};
let endpoint: string;
let tables: TableNames;

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), "citadel-bundles-"));
  for (const [name, entry] of Object.entries(LAMBDA_ENTRIES)) {
    const dir = join(out, name);
    const { metafile } = await build({ ...esbuildOptions(entry, dir), metafile: true });
    bundles[name as Lambda] = join(dir, "index.mjs");
    metafiles[name as Lambda] = metafile;
  }
  endpoint = inject("dynamodbEndpoint");
  tables = await freshTables(endpoint);
  Object.assign(process.env, {
    CITADEL_DYNAMODB_ENDPOINT: endpoint,
    CITADEL_HOSTS_TABLE: tables.hosts,
    CITADEL_PLACEMENTS_TABLE: tables.placements,
    CITADEL_OBSERVATIONS_TABLE: tables.observations,
    CITADEL_EVENTS_TABLE: tables.events,
    CITADEL_REQUESTS_TABLE: tables.requests,
    CITADEL_PROFILES_TABLE: tables.profiles,
    CITADEL_ADDRESSES_TABLE: tables.addresses,
    CITADEL_DOCKER_TIMEOUT_MS: "300",
    POWERTOOLS_METRICS_NAMESPACE: "Citadel",
    AWS_REGION: "us-east-1",
  });
}, 120_000);

async function handlerOf<E, R>(name: Lambda): Promise<Handler<E, R>> {
  const file = bundles[name];
  if (!file) throw new Error(`no bundle for ${name}`);
  return (await import(pathToFileURL(file).href)).handler as Handler<E, R>;
}

function event<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../../events/${file}.json`, import.meta.url), "utf8")) as T;
}

describe("the bundled Lambdas", () => {
  it("are ESM bundles of reasonable size, the AWS SDK inside from its ES module builds", () => {
    expect(Object.keys(bundles).sort()).toEqual(["refresh", "refreshWorker", "router", "scheduler"]);
    for (const [name, file] of Object.entries(bundles)) {
      const inputs = Object.keys(metafiles[name as Lambda]?.inputs ?? {});
      expect(inputs.filter((path) => path.includes("/@aws-sdk/client-dynamodb/"))).not.toEqual([]);
      expect(inputs.filter((path) => /\/@aws-sdk\/[^/]+\/dist-cjs\//.test(path))).toEqual([]);
      expect(statSync(file).size).toBeLessThan(1024 * 1024);
    }
  });

  it("load what only some requests need on first use, not at init: the engines' and the Lambda client", () => {
    // Inside the scheduler's bundle, but in a chunk of its own that run mode loads.
    expect(Object.keys(metafiles.scheduler?.inputs ?? {})).toContain("shared/adapters/docker-engines.ts");
    const notAtInit = {
      router: [ENGINE_CLIENT, LAMBDA_CLIENT],
      scheduler: [ENGINE_CLIENT],
      refresh: [ENGINE_CLIENT, LAMBDA_CLIENT],
    };
    for (const [name, clients] of Object.entries(notAtInit)) {
      const entry = LAMBDA_ENTRIES[name as Lambda];
      const atInit = loadedAtInit(metafiles[name as Lambda], entry);
      expect(atInit).toContain(entry);
      expect(atInit.filter((path) => clients.some((client) => client.test(path)))).toEqual([]);
    }
  });

  it("the router bundle answers the sample API events that need no scheduler", async () => {
    const router = await handlerOf<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>("router");
    const expected: [string, number][] = [
      ["get-healthz", 200],
      ["post-host", 201],
      ["get-host", 200],
      ["patch-host", 200],
      ["get-hosts", 200],
      ["get-hosts-page", 200],
      // Candidates too: the router ranks them itself, on every host it reads.
      ["post-candidates", 200],
      ["get-hosts-invalid-cursor", 400],
      ["get-placement-unknown", 404],
      ["get-image-profile-unknown", 404],
      ["get-cluster", 200],
      ["get-unknown-route", 404],
    ];
    const statuses: [string, number | undefined][] = [];
    for (const [file] of expected) statuses.push([file, (await router(event(file))).statusCode]);
    expect(statuses).toEqual(expected);
  });

  it("the scheduler bundle places the sample scheduler event", async () => {
    process.env.CITADEL_SCHEDULER_TYPE = "service";
    const scheduler = await handlerOf<ScheduleEvent, ScheduleResult>("scheduler");
    const result = await scheduler(event("scheduler-service"));
    expect([result.statusCode, (result.body.resource as { id: string }).id]).toEqual([201, "docker-1"]);
  });

  it("the refresh bundle lists the hosts into shards; without a worker to invoke, the shard fails alone", async () => {
    const refresh = await handlerOf<unknown, RoundReport>("refresh");
    const { report, emf } = await withStdout(() =>
      refresh({ "detail-type": "Scheduled Event", source: "aws.events", detail: {} }),
    );
    expect(report).toMatchObject({
      hosts: 0,
      shards: 1,
      failed: [{ shard: 0, hosts: ["docker-1"], error: "CITADEL_REFRESH_WORKER_FUNCTION is not set" }],
    });
    expect(emf[0]?._aws.CloudWatchMetrics[0].Namespace).toBe("Citadel");
    expect(emf[0]).toMatchObject({ Shards: 1, ShardsFailed: 1 });
  });

  it("the refresh worker bundle refreshes its shard, records a refused host's failed probe, and emits EMF metrics", async () => {
    // The sample host is 10.0.0.1: the worker may reach loopback only, so it never connects there.
    process.env.CITADEL_HOST_CIDRS = "127.0.0.0/8";
    const worker = await handlerOf<Shard, RefreshReport>("refreshWorker");
    const hosts = await new DynamoDbRegistry(dynamoDbClient(endpoint), tables).listHosts();
    const shard = { round: new Date().toISOString(), index: 0, of: 1, hosts, deadline: Date.now() + 10_000 };
    const { report, emf } = await withStdout(() => worker(shard));
    expect(report).toMatchObject({ hosts: 1, answered: 0, down: 0 });
    expect(report.results[0]).toMatchObject({ id: "docker-1", ok: false, error: "address not allowed" });
    expect(emf[0]?._aws.CloudWatchMetrics[0].Namespace).toBe("Citadel");
    expect(emf[0]).toMatchObject({ Hosts: 1, HostsUnanswered: 1, HostsDown: 0 });
  });
});

/** What `run` returns, and the EMF metrics it wrote to stdout meanwhile. */
async function withStdout<T>(run: () => Promise<T>) {
  const written: string[] = [];
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  let report: T;
  try {
    report = await run();
  } finally {
    stdout.mockRestore();
  }
  const emf = written
    .map((line) => line.trim())
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line));
  return { report, emf };
}

/** The sources in the chunks Node loads with the handler's bundle: its entry and what that imports statically. */
function loadedAtInit(metafile: Metafile | undefined, entry: string): string[] {
  if (!metafile) throw new Error(`no metafile for ${entry}`);
  const index = Object.keys(metafile.outputs).find((path) => metafile.outputs[path]?.entryPoint === entry);
  if (!index) throw new Error(`no output for ${entry}`);
  const chunks = new Set([index]);
  for (const chunk of chunks) {
    for (const imported of metafile.outputs[chunk]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) chunks.add(imported.path);
    }
  }
  return [...chunks].flatMap((chunk) => Object.keys(metafile.outputs[chunk]?.inputs ?? {}));
}
