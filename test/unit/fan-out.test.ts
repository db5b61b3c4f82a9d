import { InvokeCommand, LambdaClient, TooManyRequestsException } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, describe, expect, it } from "vitest";
import { lambdaInvoke } from "../../shared/adapters/lambda-invoke.js";
import { MemoryProfileStore } from "../../shared/adapters/memory-profiles.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { lambdaShardRunner, shardOf } from "../../shared/adapters/shard-invoker.js";
import { timeLeft } from "../../shared/adapters/system.js";
import type { EngineReport, Engines } from "../../shared/core/engine.js";
import { planShards, refreshRound, type Shard, shardSize } from "../../shared/core/fan-out.js";
import type { Host } from "../../shared/core/host.js";
import type { RefreshSettings } from "../../shared/core/observe.js";
import type { RefreshReport } from "../../shared/core/refresh.js";
import { inProcessShards } from "../../shared/local/in-process.js";
import { host, NOW } from "../support/fixtures.js";

const SETTINGS: RefreshSettings = { downAfter: 3, graceMs: 60_000, timeoutMs: 1000, concurrency: 4 };

/** Engines that answer at once, each host's engine ID its `engineOf`, or its own id. */
function engines(engineOf: Record<string, string> = {}): Engines & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read: async (target: Host): Promise<EngineReport> => {
      reads.push(target.id);
      const id = engineOf[target.id] ?? `ENGINE:${target.id}`;
      return { id, version: "24.0.7", cpuMilli: 4000, memory: 8192, containers: [], volumes: [] };
    },
    run: () => Promise.reject(new Error("not used")),
    find: () => Promise.resolve(undefined),
  };
}

async function cluster(count: number): Promise<MemoryRegistry> {
  const registry = new MemoryRegistry();
  for (let i = 0; i < count; i++) await registry.addHost(host(`h${String(i).padStart(3, "0")}`, 4, 8192));
  return registry;
}

function round(registry: MemoryRegistry, runShard: (shard: Shard) => Promise<RefreshReport | undefined>) {
  return refreshRound({
    registry,
    settings: SETTINGS,
    fanOut: { workers: 5 },
    now: () => NOW,
    remainingMs: timeLeft(10_000),
    runShard,
  });
}

describe("shard sizes and shards", () => {
  it("sizes a shard so that every probe may time out and it still ends in time: concurrency × waves", () => {
    const defaults = { downAfter: 3, graceMs: 300_000, timeoutMs: 20_000, concurrency: 16 };
    expect(shardSize(defaults, 57_000)).toBe(32); // 2 waves of 20 s before the results' 2 s
    expect(shardSize(defaults, 10_000)).toBe(16); // always one wave
    expect(shardSize({ ...defaults, timeoutMs: 2000 }, 57_000)).toBe(16 * 27);
  });

  it("deals hosts round-robin into at most `workers` shards, one engine's hosts together", () => {
    const hosts = Array.from({ length: 10 }, (_, i) => host(`h${i}`, 4, 8192));
    const engine = { version: "24.0.7", cpuMilli: 4000, memory: 8192, observedAt: NOW.toISOString() };
    const usage = { unmanaged: { containers: 0, cpuMilli: 0, memory: 0 }, used: { cpuMilli: 0, memory: 0 } };
    const sharing = (h: Host): Host => ({ ...h, engine: { ...engine, ...usage, id: "SAME" } });
    hosts[1] = sharing(hosts[1] as Host);
    hosts[8] = sharing(hosts[8] as Host);
    const shards = planShards(hosts, 3, 100).map((shard) => shard.map((h) => h.id));
    expect(shards).toEqual([
      ["h0", "h4", "h9"],
      ["h1", "h8", "h5"],
      ["h2", "h6"],
      ["h3", "h7"],
    ]);
    expect(planShards(hosts, 3, 2)).toHaveLength(2);
    expect(planShards([], 3, 2)).toEqual([]);
  });
});

describe("a fan-out round", () => {
  it("refreshes every host once across its shards and merges their reports", async () => {
    const registry = await cluster(23);
    const read = engines();
    const report = await round(
      registry,
      inProcessShards({
        registry,
        engines: read,
        profiles: new MemoryProfileStore(),
        settings: SETTINGS,
        now: () => NOW,
      }),
    );
    // 4 at a time in 9 waves of 1 s before the 2 s reserve: 36 a shard, so one shard.
    expect([report.shards, report.hosts, report.answered, report.failed, report.dispatched]).toEqual([
      1,
      23,
      23,
      [],
      0,
    ]);
    expect(new Set(read.reads).size).toBe(23);
    expect(read.reads).toHaveLength(23);
  });

  it("fails a shard that throws or outlasts the round alone, naming its hosts", async () => {
    const registry = await cluster(12);
    // 1 at a time, probes of 200 ms, 2 waves before the 2 s reserve of a 2.5 s round: 2 hosts a shard, and 5
    // shards at most.
    const settings = { ...SETTINGS, timeoutMs: 200, concurrency: 1 };
    const deps = {
      registry,
      engines: engines(),
      profiles: new MemoryProfileStore(),
      settings,
      now: () => NOW,
    };
    const run = inProcessShards(deps);
    const report = await refreshRound({
      ...deps,
      fanOut: { workers: 5 },
      remainingMs: timeLeft(2500),
      runShard: (shard) =>
        shard.index === 1
          ? Promise.reject(new Error("worker crashed"))
          : shard.index === 2
            ? new Promise<never>(() => undefined)
            : run(shard),
    });
    expect(report.shards).toBe(5);
    expect(report.failed.map(({ shard, error }) => [shard, error])).toEqual([
      [1, "worker crashed"],
      [2, expect.stringMatching(/^no answer within \d+ ms$/)],
    ]);
    const failedHosts = report.failed.flatMap((failed) => failed.hosts);
    expect(failedHosts).toHaveLength(5);
    expect(report.hosts + report.skipped + failedHosts.length).toBe(12);
    expect(report.results.map((result) => result.id)).not.toContain(failedHosts[0]);
  });

  it("judges one engine under two hosts in the round after both stored its ID (then in one shard)", async () => {
    const registry = await cluster(12);
    const deps = {
      registry,
      engines: engines({ h000: "TWIN", h011: "TWIN" }),
      profiles: new MemoryProfileStore(),
      settings: { ...SETTINGS, concurrency: 1 },
      now: () => NOW,
    };
    const fanned = () =>
      refreshRound({
        ...deps,
        fanOut: { workers: 12 },
        remainingMs: timeLeft(4500),
        runShard: inProcessShards(deps),
      });
    // 1 at a time, 2 waves: 2 hosts a shard; h000 and h011 are first seen in two shards.
    const first = await fanned();
    expect(first.shards).toBe(6);
    expect((await registry.getHost("h011"))?.status).toBe("ready");
    await fanned();
    const twin = await registry.getHost("h011");
    expect([twin?.status, twin?.statusReason]).toEqual([
      "down",
      "its Docker engine is host h000's, registered first: one engine is one host",
    ]);
    expect((await registry.getHost("h000"))?.status).toBe("ready");
  });
});

// No Lambda service runs here: the runner's outcomes are driven through a mocked client.
const lambda = mockClient(LambdaClient);
afterAll(() => lambda.restore());

describe("the Lambda shard runner", () => {
  const shard: Shard = {
    round: NOW.toISOString(),
    index: 2,
    of: 3,
    hosts: [host("h1", 4, 8192)],
    deadline: 0,
  };
  const report: RefreshReport = {
    hosts: 1,
    answered: 1,
    down: 0,
    released: 0,
    skipped: 0,
    ms: 5,
    results: [],
  };
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

  it("hands a shard off asynchronously (failures are Lambda's to dead-letter), or waits for its report", async () => {
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    expect(
      await lambdaShardRunner(lambdaInvoke({ region: "us-east-1" }), "worker", false)(shard),
    ).toBeUndefined();
    const sent = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect([sent?.FunctionName, sent?.InvocationType]).toEqual(["worker", "Event"]);
    expect(shardOf(JSON.parse(new TextDecoder().decode(sent?.Payload as Uint8Array)))).toEqual(shard);

    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(report) });
    const waiting = lambdaShardRunner(lambdaInvoke({ region: "us-east-1" }), "worker", true);
    expect(await waiting(shard)).toEqual(report);
    expect(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.InvocationType).toBe("RequestResponse");

    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, FunctionError: "Unhandled", Payload: encode({ errorMessage: "boom" }) });
    await expect(waiting(shard)).rejects.toThrow('shard 2 failed: {"errorMessage":"boom"}');
    lambda.on(InvokeCommand).rejects(new TooManyRequestsException({ message: "limit", $metadata: {} }));
    await expect(waiting(shard)).rejects.toThrow(
      "shard 2 not started: the workers are at their concurrency limit",
    );
    await expect(lambdaShardRunner(lambdaInvoke({}), undefined, true)(shard)).rejects.toThrow(
      "CITADEL_REFRESH_WORKER_FUNCTION is not set",
    );
  });

  it("refuses an event that is no shard", () => {
    for (const event of [undefined, {}, { ...shard, hosts: "h1" }, { ...shard, deadline: "soon" }])
      expect(() => shardOf(event)).toThrow("not a refresh shard");
  });
});
