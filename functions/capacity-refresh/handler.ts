import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { loadConfig } from "../../shared/adapters/config.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import { lambdaInvoke } from "../../shared/adapters/lambda-invoke.js";
import { lambdaShardRunner } from "../../shared/adapters/shard-invoker.js";
import { budgetOf, earliest, lambdaTimeLeft, system, timeLeft } from "../../shared/adapters/system.js";
import { type RoundReport, refreshRound } from "../../shared/core/fan-out.js";

const config = loadConfig(process.env);
const registry = new DynamoDbRegistry(dynamoDbClient(config.dynamodbEndpoint), config.tables);
// One attempt: a synchronous shard invoked again after a lost answer would be refreshed twice.
const lambda = lambdaInvoke({ maxAttempts: 1 });
const logger = new Logger({ serviceName: "citadel-capacity-refresh" });
const metrics = new Metrics({ serviceName: "citadel-capacity-refresh" });

/**
 * The capacity refresh's coordinator: on its EventBridge schedule, and when the router asks
 * (`POST /v1/hosts/refresh`). It lists the hosts and hands each shard to the refresh worker Lambda:
 * asynchronously on the schedule (failed shards go to the worker's dead-letter queue), and synchronously
 * when the caller gives a budget and waits for the round's report.
 */
export async function handler(event?: unknown, context?: Context): Promise<RoundReport> {
  const ofLambda = lambdaTimeLeft(context, config.budgetMs);
  const asked = budgetOf(event);
  const report = await refreshRound({
    registry,
    settings: config.refresh,
    fanOut: config.fanOut,
    now: system.now,
    remainingMs: asked === undefined ? ofLambda : earliest(ofLambda, timeLeft(asked)),
    runShard: lambdaShardRunner(lambda, config.refreshWorkerFunction, asked !== undefined),
  });
  const { results, ...round } = report;
  logger.info("refresh round", { ...round, unanswered: results.filter((result) => !result.ok) });
  metrics.addMetric("RoundDuration", MetricUnit.Milliseconds, report.ms);
  metrics.addMetric("Shards", MetricUnit.Count, report.shards);
  metrics.addMetric("ShardsFailed", MetricUnit.Count, report.failed.length);
  metrics.publishStoredMetrics();
  return report;
}
