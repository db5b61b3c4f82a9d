import { readHostAllowlist } from "../../shared/adapters/config.js";
import { dockerEngines } from "../../shared/adapters/docker-engines.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbProfileStore } from "../../shared/adapters/dynamodb/profiles.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import { system, timeLeft } from "../../shared/adapters/system.js";
import { LOOPBACK_RANGES } from "../../shared/core/address.js";
import { mapConcurrently } from "../../shared/core/concurrency.js";
import { type RoundReport, refreshRound, type Shard } from "../../shared/core/fan-out.js";
import { newHost } from "../../shared/core/host.js";
import type { RefreshSettings } from "../../shared/core/observe.js";
import type { RefreshReport } from "../../shared/core/refresh.js";
import { inProcessShards } from "../../shared/local/in-process.js";
import { type FakeEngineOptions, type FakeEngines, startFakeEngines } from "./fake-engines.js";
import { freshTables } from "./tables.js";

/** A cluster of fake engines (fake-engines.ts) registered as hosts `h0000`… on fresh tables of a DynamoDB Local. */
export interface FakeCluster {
  engines: FakeEngines;
  registry: DynamoDbRegistry;
  /** Runs one shard in this process, as a worker runs it. */
  runShard(shard: Shard): Promise<RefreshReport>;
  /**
   * One fan-out round, its shards run in this process as `npm start` runs them; `wrap` may replace how a
   * shard runs (to fail one).
   */
  round(
    budgetMs: number,
    wrap?: (run: (shard: Shard) => Promise<RefreshReport>) => (shard: Shard) => Promise<RefreshReport>,
  ): Promise<RoundReport>;
  close(): Promise<void>;
}

export async function startFakeCluster(
  endpoint: string,
  count: number,
  settings: RefreshSettings,
  workers: number,
  options: FakeEngineOptions = {},
): Promise<FakeCluster> {
  const engines = await startFakeEngines(count, options);
  const tables = await freshTables(endpoint);
  // Patient, as a loaded machine needs: these rounds run hundreds of calls at once on DynamoDB Local.
  const client = dynamoDbClient(endpoint, { connectMs: 15_000, answerMs: 15_000 });
  const registry = new DynamoDbRegistry(client, tables);
  const registered = new Date();
  const hosts = engines.addrs.map((addr, i) =>
    newHost({ addr, id: `h${String(i).padStart(4, "0")}` }, registered),
  );
  await mapConcurrently(hosts, 32, (host) => registry.addHost(host));
  const inProcess = inProcessShards({
    registry,
    profiles: new DynamoDbProfileStore(client, tables.profiles),
    // Loopback only: the fake engines are on 127.0.0.1, and nothing else may be reached.
    engines: dockerEngines(
      {},
      { timeoutMs: settings.timeoutMs, allowlist: readHostAllowlist({}, LOOPBACK_RANGES) },
    ),
    settings,
    now: system.now,
  });
  return {
    engines,
    registry,
    runShard: inProcess,
    round: (budgetMs, wrap) =>
      refreshRound({
        registry,
        settings,
        fanOut: { workers },
        now: system.now,
        remainingMs: timeLeft(budgetMs),
        runShard: wrap ? wrap(inProcess) : inProcess,
      }),
    close: () => engines.close(),
  };
}
