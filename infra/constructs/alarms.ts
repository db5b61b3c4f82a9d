import { Duration } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Alias } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { CitadelFunction } from "./citadel-function.js";

/** What the stack alarms on, and whom it tells. */
export interface AlarmTargets {
  /** Alarms go to this address through an encrypted SNS topic; without it they are only in CloudWatch. */
  email?: string | undefined;
  api: HttpApi;
  functions: CitadelFunction[];
  /** Dead-letter queues, each with its alarm's id and description. */
  deadLetters: [id: string, queue: Queue, description: string][];
}

/**
 * Alarms on every function's errors and throttles, the API's 5xx, and every message in a dead-letter
 * queue: each at the first occurrence in 5 minutes, missing data counted as fine.
 */
export function addAlarms(scope: Construct, { email, api, functions, deadLetters }: AlarmTargets): void {
  const topic =
    email &&
    new Topic(scope, "Alarms", {
      enforceSSL: true,
      masterKey: Alias.fromAliasName(scope, "SnsKey", "alias/aws/sns"),
    });
  if (topic && email) topic.addSubscription(new EmailSubscription(email));
  const period = Duration.minutes(5);
  const alarm = (id: string, metric: IMetric, description: string) => {
    const created = new Alarm(scope, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    if (topic) created.addAlarmAction(new SnsAction(topic));
  };
  for (const fn of functions) {
    const name = fn.node.id;
    alarm(`${name}Errors`, fn.metricErrors({ period }), `${name}: invocations failed`);
    alarm(`${name}Throttles`, fn.metricThrottles({ period }), `${name}: invocations throttled`);
  }
  alarm("Api5xx", api.metricServerError({ period }), "the API answered 5xx (a bug, or an outage)");
  for (const [id, queue, description] of deadLetters) {
    alarm(id, queue.metricApproximateNumberOfMessagesVisible({ period }), description);
  }
}
