import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { loadConfig } from "../../shared/adapters/config.js";
import { dockerEngines } from "../../shared/adapters/docker-engines.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbProfileStore } from "../../shared/adapters/dynamodb/profiles.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import { shardOf } from "../../shared/adapters/shard-invoker.js";
import { earliest, lambdaTimeLeft, system } from "../../shared/adapters/system.js";
import { untilDeadline } from "../../shared/core/fan-out.js";
import { type RefreshReport, refreshHosts } from "../../shared/core/refresh.js";

const config = loadConfig(process.env);
const client = dynamoDbClient(config.dynamodbEndpoint);
const deps = {
  registry: new DynamoDbRegistry(client, config.tables),
  profiles: new DynamoDbProfileStore(client, config.tables.profiles),
  engines: dockerEngines(process.env, {
    timeoutMs: config.refresh.timeoutMs,
    allowlist: config.hostAllowlist,
  }),
  settings: config.refresh,
  now: system.now,
};
const logger = new Logger({ serviceName: "citadel-refresh-worker" });
const metrics = new Metrics({ serviceName: "citadel-refresh-worker" });

/**
 * The refresh worker: refreshes one shard of a round (the capacity refresh invokes it), probing no host
 * its time (the Lambda's less 3 s, and the round's deadline) cannot hold; the hosts left come first next
 * round. A throw (a bug, an outage) fails the shard alone.
 */
export async function handler(event: unknown, context?: Context): Promise<RefreshReport> {
  const shard = shardOf(event);
  const remainingMs = earliest(lambdaTimeLeft(context, config.budgetMs), untilDeadline(shard, system.now));
  const report = await refreshHosts(shard.hosts, { ...deps, remainingMs });
  const { results, ...summary } = report;
  const position = { round: shard.round, shard: shard.index, of: shard.of };
  logger.info("refreshed shard", { ...position, ...summary, failed: results.filter((result) => !result.ok) });
  metrics.addMetric("ShardDuration", MetricUnit.Milliseconds, report.ms);
  // The round's time is the greatest of these over its shards (the Maximum statistic).
  metrics.addMetric("RoundElapsed", MetricUnit.Milliseconds, Date.now() - Date.parse(shard.round));
  metrics.addMetric("Hosts", MetricUnit.Count, report.hosts);
  metrics.addMetric("HostsDown", MetricUnit.Count, report.down);
  metrics.addMetric("HostsUnanswered", MetricUnit.Count, report.hosts - report.answered);
  metrics.addMetric("PlacementsReleased", MetricUnit.Count, report.released);
  metrics.addMetric("HostsSkipped", MetricUnit.Count, report.skipped);
  metrics.publishStoredMetrics();
  return report;
}
