import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { loadConfig } from "../../shared/adapters/config.js";
import { dockerEngines } from "../../shared/adapters/docker-engines.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb-client.js";
import { DynamoDbProfileStore } from "../../shared/adapters/dynamodb-profiles.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb-registry.js";
import { system } from "../../shared/adapters/system.js";
import { type RefreshReport, refreshCluster } from "../../shared/core/refresh.js";

const config = loadConfig(process.env);
const client = dynamoDbClient(config.dynamodbEndpoint);
const deps = {
  registry: new DynamoDbRegistry(client, config.tables),
  profiles: new DynamoDbProfileStore(client, config.tables.profiles),
  engines: dockerEngines(process.env, config.refresh.timeoutMs),
  settings: config.refresh,
  now: system.now,
};
const logger = new Logger({ serviceName: "citadel-capacity-refresh" });
const metrics = new Metrics({ serviceName: "citadel-capacity-refresh" });

/** The capacity refresh: on its EventBridge schedule, and when the router asks (`POST /v1/hosts/refresh`). */
export async function handler(): Promise<RefreshReport> {
  const report = await refreshCluster(deps);
  const { results, ...summary } = report;
  logger.info("refreshed", { ...summary, failed: results.filter((result) => !result.ok) });
  metrics.addMetric("RefreshDuration", MetricUnit.Milliseconds, report.ms);
  metrics.addMetric("Hosts", MetricUnit.Count, report.hosts);
  metrics.addMetric("HostsDown", MetricUnit.Count, report.down);
  metrics.addMetric("HostsUnanswered", MetricUnit.Count, report.hosts - report.answered);
  metrics.addMetric("PlacementsReleased", MetricUnit.Count, report.released);
  metrics.publishStoredMetrics();
  return report;
}
