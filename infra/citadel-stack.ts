import { fileURLToPath } from "node:url";
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { HttpApi, HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import { SCHEDULER_TYPES } from "../shared/core/schedulers.js";
import { CitadelFunction } from "./constructs/citadel-function.js";

const entry = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/**
 * Citadel in one stack: an HTTP API (IAM-authorized) → the router Lambda → one scheduler Lambda per
 * scheduler type (read from the same list the router reads) → the DynamoDB tables.
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
    const tables = { CITADEL_HOSTS_TABLE: hosts.tableName, CITADEL_REQUESTS_TABLE: requests.tableName };

    const schedulers = SCHEDULER_TYPES.map(({ type }) => {
      const scheduler = new CitadelFunction(this, `Scheduler-${type}`, {
        entry: entry("functions/scheduler/handler.ts"),
        description: `Citadel scheduler for type "${type}"`,
        timeout: Duration.seconds(8),
        environment: { ...tables, CITADEL_SCHEDULER_TYPE: type },
      });
      hosts.grantReadWriteData(scheduler);
      requests.grantReadWriteData(scheduler);
      return { type, scheduler };
    });

    const router = new CitadelFunction(this, "Router", {
      entry: entry("functions/api/handler.ts"),
      description: "Citadel API router",
      timeout: Duration.seconds(10),
      environment: {
        ...tables,
        CITADEL_SCHEDULER_FUNCTIONS: Stack.of(this).toJsonString(
          Object.fromEntries(schedulers.map(({ type, scheduler }) => [type, scheduler.functionName])),
        ),
      },
    });
    hosts.grantReadWriteData(router);
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
