import { Duration, Validations } from "aws-cdk-lib";
import { ManagedPolicy, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { BUNDLING, NODE_OPTIONS } from "../bundling.js";

/** A retention CloudWatch Logs accepts; throws naming the allowed values otherwise. */
export function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((value): value is number => typeof value === "number");
  if (!allowed.includes(days))
    throw new Error(`log retention must be one of ${allowed.join(", ")} days, got ${days}`);
  return days as RetentionDays;
}

export type CitadelFunctionProps = NodejsFunctionProps & { entry: string; logRetentionDays: number };

/**
 * The defaults every Citadel Lambda shares: Node 24 on arm64, a minified ESM bundle with source maps
 * (as infra/bundling.ts says, the AWS SDK inside), its own log group, and its own role that may write only to
 * that log group; each function is then granted exactly what it uses.
 */
export class CitadelFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, { logRetentionDays, ...props }: CitadelFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: retention(logRetentionDays) });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Citadel ${id}`,
    });
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.seconds(10),
      logGroup,
      role,
      ...props,
      environment: {
        NODE_OPTIONS,
        POWERTOOLS_LOG_LEVEL: "INFO",
        POWERTOOLS_METRICS_NAMESPACE: "Citadel",
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: BUNDLING.minify,
        sourceMap: BUNDLING.sourceMap,
        sourcesContent: BUNDLING.sourcesContent,
        mainFields: [...BUNDLING.mainFields],
        target: BUNDLING.target,
        banner: BUNDLING.banner,
        externalModules: [...BUNDLING.external],
        ...props.bundling,
      },
    });
    logGroup.grantWrite(role);
    if (props.vpc) {
      role.addManagedPolicy(
        ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSLambdaVPCAccessExecutionRole"),
      );
      Validations.of(role).acknowledge({
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
        reason:
          "AWSLambdaVPCAccessExecutionRole is what Lambda needs to manage its network interfaces in the hosts' VPC",
      });
    }
  }
}
