import { dirname } from "node:path";
import { AssetHashType, DockerImage, Duration, Validations } from "aws-cdk-lib";
import { ManagedPolicy, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  Architecture,
  Code,
  type FunctionProps,
  Function as LambdaFunction,
  Runtime,
} from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { buildSync } from "esbuild";
import { esbuildOptions, NODE_OPTIONS } from "../bundling.js";

/** A retention CloudWatch Logs accepts; throws naming the allowed values otherwise. */
export function retention(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((value): value is number => typeof value === "number");
  if (!allowed.includes(days))
    throw new Error(`log retention must be one of ${allowed.join(", ")} days, got ${days}`);
  return days as RetentionDays;
}

export type CitadelFunctionProps = Omit<FunctionProps, "code" | "handler" | "runtime"> & {
  /** The handler's source file: bundled as infra/bundling.ts says. */
  entry: string;
  logRetentionDays: number;
};

/**
 * The entry bundled by the local esbuild, split into chunks (esbuildOptions), which NodejsFunction cannot
 * do: it bundles into one file. The asset is named by the bundle's hash. No Docker image ever runs:
 * esbuild is a dev dependency, as it is for NodejsFunction, but CDK requires one to be named.
 */
function bundled(entry: string): Code {
  return Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry("scratch"),
      local: {
        tryBundle(outputDir) {
          buildSync(esbuildOptions(entry, outputDir));
          return true;
        },
      },
    },
  });
}

/**
 * The defaults every Citadel Lambda shares: Node 24 on arm64, its entry bundled as infra/bundling.ts
 * says, its own log group, and its own role that may write only to that log group; each function is
 * then granted exactly what it uses.
 */
export class CitadelFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, { entry, logRetentionDays, ...props }: CitadelFunctionProps) {
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
      handler: "index.handler",
      code: bundled(entry),
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
