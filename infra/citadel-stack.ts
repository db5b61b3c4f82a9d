import { fileURLToPath } from "node:url";
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { HttpApi, HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { SCHEDULER_TYPES } from "../shared/core/schedulers.js";
import { CitadelFunction } from "./constructs/citadel-function.js";

const entry = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/**
 * Citadel in one stack: an HTTP API (IAM-authorized) → the router Lambda → one scheduler Lambda per
 * scheduler type (read from the same list the router reads) → the DynamoDB tables; the capacity
 * refresh Lambda on a schedule (every `citadel:refreshMinutes`, default 1) reads the Docker hosts.
 */
export class CitadelStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const retain = this.node.tryGetContext("citadel:retainData") !== "false";

    const hosts = new TableV2(this, "Hosts", {
      partitionKey: { name: "id", type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const requests = new TableV2(this, "Requests", {
      partitionKey: { name: "key", type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: "expires_at",
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const profiles = new TableV2(this, "Profiles", {
      partitionKey: { name: "image", type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const tables = {
      CITADEL_HOSTS_TABLE: hosts.tableName,
      CITADEL_REQUESTS_TABLE: requests.tableName,
      CITADEL_PROFILES_TABLE: profiles.tableName,
    };
    // Client certificates for Docker hosts on TLS: a secret of {"ca","cert","key"}, named by context.
    const tlsSecretArn = this.node.tryGetContext("citadel:dockerTlsSecretArn") as string | undefined;
    const tlsSecret = tlsSecretArn
      ? Secret.fromSecretCompleteArn(this, "DockerTls", tlsSecretArn)
      : undefined;
    const docker: Record<string, string> = tlsSecret
      ? { CITADEL_DOCKER_TLS_SECRET: tlsSecret.secretArn }
      : {};

    const schedulers = SCHEDULER_TYPES.map(({ type }) => {
      const scheduler = new CitadelFunction(this, `Scheduler-${type}`, {
        entry: entry("functions/scheduler/handler.ts"),
        description: `Citadel scheduler for type "${type}"`,
        timeout: Duration.seconds(8),
        environment: { ...tables, ...docker, CITADEL_SCHEDULER_TYPE: type },
      });
      hosts.grantReadWriteData(scheduler);
      requests.grantReadWriteData(scheduler);
      tlsSecret?.grantRead(scheduler);
      return { type, scheduler };
    });

    const refresh = new CitadelFunction(this, "CapacityRefresh", {
      entry: entry("functions/capacity-refresh/handler.ts"),
      description: "Citadel capacity refresh: Docker hosts' capacity, health, containers and use",
      timeout: Duration.seconds(60),
      environment: { ...tables, ...docker },
    });
    hosts.grantReadWriteData(refresh);
    profiles.grantReadWriteData(refresh);
    tlsSecret?.grantRead(refresh);
    const period = Number(this.node.tryGetContext("citadel:refreshMinutes") ?? 1);
    new Rule(this, "RefreshSchedule", {
      description: "Runs the Citadel capacity refresh",
      schedule: Schedule.rate(Duration.minutes(period)),
      targets: [new LambdaFunction(refresh, { retryAttempts: 0 })],
    });

    const router = new CitadelFunction(this, "Router", {
      entry: entry("functions/api/handler.ts"),
      description: "Citadel API router",
      timeout: Duration.seconds(10),
      environment: {
        ...tables,
        CITADEL_REFRESH_FUNCTION: refresh.functionName,
        CITADEL_SCHEDULER_FUNCTIONS: Stack.of(this).toJsonString(
          Object.fromEntries(schedulers.map(({ type, scheduler }) => [type, scheduler.functionName])),
        ),
      },
    });
    hosts.grantReadWriteData(router);
    profiles.grantReadData(router);
    refresh.grantInvoke(router);
    for (const { scheduler } of schedulers) scheduler.grantInvoke(router);

    const api = new HttpApi(this, "Api", {
      description: "Citadel placement API",
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    const integration = new HttpLambdaIntegration("RouterIntegration", router);
    for (const path of ["/v1/{proxy+}", "/healthz"]) {
      api.addRoutes({
        path,
        methods: [HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH, HttpMethod.DELETE],
        integration,
      });
    }

    new CfnOutput(this, "ApiUrl", { value: api.apiEndpoint });
    new CfnOutput(this, "HostsTable", { value: hosts.tableName });
  }
}
