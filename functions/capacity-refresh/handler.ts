import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { loadConfig } from "../../shared/adapters/config.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb-client.js";
import { DynamoDbProfileStore } from "../../shared/adapters/dynamodb-profiles.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb-registry.js";
import { lazyDockerEngines } from "../../shared/adapters/lazy-engines.js";
import { budgetOf, earliest, lambdaTimeLeft, system, timeLeft } from "../../shared/adapters/system.js";
import { type RefreshReport, refreshCluster } from "../../shared/core/refresh.js";

const config = loadConfig(process.env);
const client = dynamoDbClient(config.dynamodbEndpoint);
const deps = {
  registry: new DynamoDbRegistry(client, config.tables),
  profiles: new DynamoDbProfileStore(client, config.tables.profiles),
  engines: lazyDockerEngines(process.env, {
    timeoutMs: config.refresh.timeoutMs,
    allowlist: config.hostAllowlist,
  }),
  settings: config.refresh,
  now: system.now,
};
const logger = new Logger({ serviceName: "citadel-capacity-refresh" });
const metrics = new Metrics({ serviceName: "citadel-capacity-refresh" });

/**
 * The capacity refresh: on its EventBridge schedule, and when the router asks (`POST /v1/hosts/refresh`).
 * It starts no probe its remaining time (less a margin) cannot hold; the hosts left come first next time.
 */
export async function handler(event?: unknown, context?: Context): Promise<RefreshReport> {
  const ofLambda = lambdaTimeLeft(context, config.budgetMs);
  const asked = budgetOf(event);
  const remainingMs = asked === undefined ? ofLambda : earliest(ofLambda, timeLeft(asked));
  const report = await refreshCluster({ ...deps, remainingMs });
  const { results, ...summary } = report;
  logger.info("refreshed", { ...summary, failed: results.filter((result) => !result.ok) });
  metrics.addMetric("RefreshDuration", MetricUnit.Milliseconds, report.ms);
  metrics.addMetric("Hosts", MetricUnit.Count, report.hosts);
  metrics.addMetric("HostsDown", MetricUnit.Count, report.down);
  metrics.addMetric("HostsUnanswered", MetricUnit.Count, report.hosts - report.answered);
  metrics.addMetric("PlacementsReleased", MetricUnit.Count, report.released);
  metrics.addMetric("HostsSkipped", MetricUnit.Count, report.skipped);
  metrics.publishStoredMetrics();
  return report;
}
