import { mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { build } from "esbuild";
import { beforeAll, describe, expect, inject, it, vi } from "vitest";
import { BUNDLING, LAMBDA_ENTRIES } from "../../infra/bundling.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import type { TableNames } from "../../shared/adapters/dynamodb/tables.js";
import type { ScheduleEvent, ScheduleResult } from "../../shared/adapters/invoker.js";
import type { RoundReport, Shard } from "../../shared/core/fan-out.js";
import type { RefreshReport } from "../../shared/core/refresh.js";
import { freshTables } from "../support/tables.js";

// Each Lambda bundled as the stack bundles it (esbuild: ESM, minified, SDK left to the runtime), then
// the sample events replayed through the bundles' handlers against DynamoDB Local: what the stack
// ships loads and answers (an ESM bundle missing `__dirname` once crashed the scheduler at init).
type Handler<E, R> = (event: E) => Promise<R>;

const bundles: Partial<Record<keyof typeof LAMBDA_ENTRIES, string>> = {};
let endpoint: string;
let tables: TableNames;

beforeAll(async () => {
  // Inside node_modules, so that the bundles find the AWS SDK there, as Lambda's runtime provides it.
  mkdirSync("node_modules/.cache", { recursive: true });
  const out = mkdtempSync(join(resolve("node_modules/.cache"), "citadel-bundles-"));
  for (const [name, entry] of Object.entries(LAMBDA_ENTRIES)) {
    const file = join(out, `${name}.mjs`);
    await build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      sourcemap: true,
      platform: "node",
      target: BUNDLING.target,
      format: "esm",
      outfile: file,
      banner: { js: BUNDLING.banner },
      external: [...BUNDLING.external],
      logLevel: "silent",
    });
    bundles[name as keyof typeof LAMBDA_ENTRIES] = file;
  }
  endpoint = inject("dynamodbEndpoint");
  tables = await freshTables(endpoint);
  Object.assign(process.env, {
    CITADEL_DYNAMODB_ENDPOINT: endpoint,
    CITADEL_HOSTS_TABLE: tables.hosts,
    CITADEL_REQUESTS_TABLE: tables.requests,
    CITADEL_PROFILES_TABLE: tables.profiles,
    CITADEL_ADDRESSES_TABLE: tables.addresses,
    CITADEL_DOCKER_TIMEOUT_MS: "300",
    POWERTOOLS_METRICS_NAMESPACE: "Citadel",
    AWS_REGION: "us-east-1",
  });
}, 120_000);

async function handlerOf<E, R>(name: keyof typeof LAMBDA_ENTRIES): Promise<Handler<E, R>> {
  const file = bundles[name];
  if (!file) throw new Error(`no bundle for ${name}`);
  return (await import(pathToFileURL(file).href)).handler as Handler<E, R>;
}

function event<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../../events/${file}.json`, import.meta.url), "utf8")) as T;
}

describe("the bundled Lambdas", () => {
  it("are ESM bundles of reasonable size, the AWS SDK left out", () => {
    expect(Object.keys(bundles).sort()).toEqual(["refresh", "refreshWorker", "router", "scheduler"]);
    for (const file of Object.values(bundles)) {
      const text = readFileSync(file, "utf8");
      expect(text).not.toMatch(/from"@aws-sdk\/client-dynamodb\/dist-cjs/);
      expect(statSync(file).size).toBeLessThan(3 * 1024 * 1024);
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
