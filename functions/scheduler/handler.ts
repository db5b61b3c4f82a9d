import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { loadConfig } from "../../shared/adapters/config.js";
import { dynamoDbClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoDbRegistry } from "../../shared/adapters/dynamodb/registry.js";
import type { ScheduleEvent } from "../../shared/adapters/invoker.js";
import { lazyDockerEngines } from "../../shared/adapters/lazy-engines.js";
import { lambdaTimeLeft, system } from "../../shared/adapters/system.js";
import type { RunOutcome } from "../../shared/core/run.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
import { createScheduler } from "./scheduler.js";

const config = loadConfig(process.env);
const metrics = new Metrics({ serviceName: "citadel-scheduler" });
const store = new DynamoDbRegistry(dynamoDbClient(config.dynamodbEndpoint), config.tables);
// The registry with its commits timed (the arbiter's answer time, a metric); everything else is the store's.
const registry = Object.assign(Object.create(store) as DynamoDbRegistry, {
  commit: async (request: Parameters<DynamoDbRegistry["commit"]>[0]) => {
    const started = performance.now();
    try {
      return await store.commit(request);
    } finally {
      metrics.addMetric("CommitLatency", MetricUnit.Milliseconds, performance.now() - started);
    }
  },
});

const METRIC_OF_OUTCOME: Record<RunOutcome["kind"], string> = {
  placed: "Placements",
  unschedulable: "Unschedulable",
  contention: "Contention",
  "idempotency-key-reused": "IdempotencyKeyReused",
  "not-started": "NotStarted",
  "out-of-time": "RunOutOfTime",
};

const schedule = createScheduler({
  registry,
  snapshot: new HostSnapshot(registry, config.snapshotMaxAgeMs),
  maxAttempts: config.maxAttempts,
  ...system,
  servesType: config.schedulerType,
  schedulers: config.schedulers,
  logger: new Logger({ serviceName: "citadel-scheduler" }),
  engines: lazyDockerEngines(process.env, {
    timeoutMs: config.refresh.timeoutMs,
    allowlist: config.hostAllowlist,
  }),
  observe: (outcome) => {
    metrics.addMetric(METRIC_OF_OUTCOME[outcome.kind], MetricUnit.Count, 1);
    metrics.addMetric("Conflicts", MetricUnit.Count, outcome.stats.conflicts);
    metrics.addMetric("Retries", MetricUnit.Count, Math.max(0, outcome.stats.attempts - 1));
  },
});

/**
 * One code, one Lambda per scheduler type; the snapshot lives as long as the warm container. Run mode's
 * calls to engines end with the invocation's time (less a margin to release and answer).
 */
export async function handler(event: ScheduleEvent, context?: Context) {
  try {
    return await schedule(event, lambdaTimeLeft(context, config.budgetMs));
  } finally {
    metrics.publishStoredMetrics();
  }
}
