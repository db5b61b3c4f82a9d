import { fileURLToPath } from "node:url";
import {
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer, HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { SecurityGroup, Subnet, Vpc } from "aws-cdk-lib/aws-ec2";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { iamPath, ROUTE_ACCESS, type Role, routesOf } from "../functions/api/access.js";
import { schedulerTypeJson, schedulerTypes } from "../shared/core/schedulers.js";
import { LAMBDA_ENTRIES } from "./bundling.js";
import { type CitadelConfig, configFromContext } from "./config.js";
import { addAlarms } from "./constructs/alarms.js";
import { CitadelFunction, retention } from "./constructs/citadel-function.js";
import { TABLE_ACTIONS } from "./table-actions.js";

const entry = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** The two roles' IAM policies: the role, the construct id (and output `<id>Arn`), whom to give it. */
const ROLE_POLICIES: readonly [Role, string, string][] = [
  ["client", "ClientPolicy", "place, read and release placements"],
  ["operator", "OperatorPolicy", "register, change, remove and refresh Docker hosts"],
];

/**
 * Timeouts nest: a scheduler (run mode included) ends before the router, the router before API Gateway's
 * 30 s; a refresh worker ends at its round's deadline (the refresh's time less 3 s), and its own timeout
 * only bounds one that would not.
 */
export const TIMEOUTS = { scheduler: 25, router: 28, refresh: 60, refreshWorker: 60 } as const;

export interface CitadelStackProps extends StackProps {
  /** The deployment's choices; by default read from the `citadel:*` context values. */
  config?: CitadelConfig;
}

/**
 * Citadel in one stack: an HTTP API (IAM or JWT auth, throttled, access-logged) → the router Lambda →
 * one scheduler Lambda per scheduler type (the list the router reads) → the DynamoDB tables; the
 * capacity refresh Lambda on a schedule hands the Docker hosts in shards to refresh workers, which read
 * them. Alarms on errors, throttles, 5xx and the refresh's and the workers' dead-letter queues.
 */
export class CitadelStack extends Stack {
  constructor(scope: Construct, id: string, props: CitadelStackProps = {}) {
    super(scope, id, props);
    const config = props.config ?? configFromContext(this.node);

    const table = (name: string, key: string, { ttl, sort }: { ttl?: string; sort?: string } = {}) =>
      new TableV2(this, name, {
        partitionKey: { name: key, type: AttributeType.STRING },
        ...(sort && { sortKey: { name: sort, type: AttributeType.STRING } }),
        billing: Billing.onDemand(),
        ...(ttl && { timeToLiveAttribute: ttl }),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryptionV2.awsManagedKey(),
        deletionProtection: config.retainData,
        removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
    const hosts = table("Hosts", "id");
    const placements = table("Placements", "host_id", { sort: "id" });
    const observations = table("Observations", "id");
    const events = table("Events", "host_id", { sort: "seq", ttl: "expires_at" });
    const requests = table("Requests", "key", { ttl: "expires_at" });
    const profiles = table("Profiles", "image");
    const addresses = table("Addresses", "addr");
    // Every function knows the tables and which addresses may be Docker hosts: the router checks a
    // registration, the schedulers and the refresh each address a name resolves to.
    const environment = {
      CITADEL_HOSTS_TABLE: hosts.tableName,
      CITADEL_PLACEMENTS_TABLE: placements.tableName,
      CITADEL_OBSERVATIONS_TABLE: observations.tableName,
      CITADEL_EVENTS_TABLE: events.tableName,
      CITADEL_REQUESTS_TABLE: requests.tableName,
      CITADEL_PROFILES_TABLE: profiles.tableName,
      CITADEL_ADDRESSES_TABLE: addresses.tableName,
      CITADEL_HOST_CIDRS: config.hostCidrs,
    };

    // The functions that reach Docker hosts: in the hosts' VPC when one is given, with the TLS secret.
    const tlsSecret = config.dockerTlsSecretArn
      ? Secret.fromSecretCompleteArn(this, "DockerTls", config.dockerTlsSecretArn)
      : undefined;
    const network = config.vpc && {
      vpc: Vpc.fromVpcAttributes(this, "HostsVpc", {
        vpcId: config.vpc.vpcId,
        availabilityZones: config.vpc.availabilityZones,
        privateSubnetIds: config.vpc.subnetIds,
      }),
      vpcSubnets: {
        subnets: config.vpc.subnetIds.map((subnetId, i) => Subnet.fromSubnetId(this, `Subnet${i}`, subnetId)),
      },
    };
    const reachesHosts = (fn: CitadelFunction) => {
      tlsSecret?.grantRead(fn);
      if (network) {
        Validations.of(fn).acknowledge({
          id: "AwsSolutions-IAM4",
          reason:
            "AWSLambdaVPCAccessExecutionRole is what Lambda needs to manage its network interfaces in the hosts' VPC",
        });
      }
    };
    const dockerEnvironment: Record<string, string> = tlsSecret
      ? { CITADEL_DOCKER_TLS_SECRET: tlsSecret.secretArn }
      : {};
    const securityGroup =
      network &&
      new SecurityGroup(this, "DockerClients", {
        vpc: network.vpc,
        description: "Citadel Lambdas that call Docker engines",
      });
    const inVpc = network && securityGroup ? { ...network, securityGroups: [securityGroup] } : {};

    // The router and every scheduler know the configured types (the built-in ones need no variable).
    const typesEnvironment: Record<string, string> =
      config.schedulerTypes.length > 0
        ? { CITADEL_SCHEDULER_TYPES: JSON.stringify(config.schedulerTypes.map(schedulerTypeJson)) }
        : {};
    const schedulers = schedulerTypes(config.schedulerTypes).map(({ type }) => {
      const scheduler = new CitadelFunction(this, `Scheduler-${type}`, {
        entry: entry(LAMBDA_ENTRIES.scheduler),
        description: `Citadel scheduler for type "${type}"`,
        timeout: Duration.seconds(TIMEOUTS.scheduler),
        logRetentionDays: config.logRetentionDays,
        // Also bounds the writers racing for the same hot host items.
        ...(config.schedulerConcurrency !== undefined && {
          reservedConcurrentExecutions: config.schedulerConcurrency,
        }),
        environment: {
          ...environment,
          ...dockerEnvironment,
          ...typesEnvironment,
          CITADEL_SCHEDULER_TYPE: type,
          // Run mode: up to 3 hosts × (create, start) inside the scheduler's timeout.
          CITADEL_DOCKER_TIMEOUT_MS: "4000",
        },
        ...inVpc,
      });
      hosts.grant(scheduler, ...TABLE_ACTIONS.scheduler.hosts);
      placements.grant(scheduler, ...TABLE_ACTIONS.scheduler.placements);
      observations.grant(scheduler, ...TABLE_ACTIONS.scheduler.observations);
      events.grant(scheduler, ...TABLE_ACTIONS.scheduler.events);
      requests.grant(scheduler, ...TABLE_ACTIONS.scheduler.requests);
      reachesHosts(scheduler);
      return { type, scheduler };
    });

    const refreshFailures = this.deadLetterQueue("RefreshFailures", "the refresh's failed invocations");
    // A shard whose worker failed (threw, timed out, or waited past a round for a free worker) is not
    // tried again: the next round starts with its hosts, least recently probed first.
    const shardFailures = this.deadLetterQueue("ShardFailures", "the refresh worker's failed shards");
    const worker = new CitadelFunction(this, "RefreshWorker", {
      entry: entry(LAMBDA_ENTRIES.refreshWorker),
      description: "Citadel refresh worker: one shard of a capacity refresh round",
      timeout: Duration.seconds(TIMEOUTS.refreshWorker),
      logRetentionDays: config.logRetentionDays,
      // A round's shards run at once: reserved, so that schedulers never starve a round, and bounded, so
      // that a round never loads DynamoDB and the account with more than this many workers.
      reservedConcurrentExecutions: config.refreshWorkers,
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      deadLetterQueue: shardFailures,
      environment: { ...environment, ...dockerEnvironment },
      ...inVpc,
    });
    hosts.grant(worker, ...TABLE_ACTIONS.refreshWorker.hosts);
    placements.grant(worker, ...TABLE_ACTIONS.refreshWorker.placements);
    observations.grant(worker, ...TABLE_ACTIONS.refreshWorker.observations);
    events.grant(worker, ...TABLE_ACTIONS.refreshWorker.events);
    profiles.grant(worker, ...TABLE_ACTIONS.refreshWorker.profiles);
    reachesHosts(worker);
    // The refresh reaches no host, and so runs outside the hosts' VPC (where invoking a Lambda would need
    // an endpoint).
    const refresh = new CitadelFunction(this, "CapacityRefresh", {
      entry: entry(LAMBDA_ENTRIES.refresh),
      description:
        "Citadel capacity refresh: lists the Docker hosts and hands them to refresh workers in shards",
      timeout: Duration.seconds(TIMEOUTS.refresh),
      logRetentionDays: config.logRetentionDays,
      // One refresh at a time: overlapping rounds would count a host's failed probes twice.
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      deadLetterQueue: refreshFailures,
      environment: {
        ...environment,
        CITADEL_REFRESH_WORKER_FUNCTION: worker.functionName,
        CITADEL_REFRESH_WORKERS: String(config.refreshWorkers),
      },
    });
    hosts.grant(refresh, ...TABLE_ACTIONS.refresh.hosts);
    observations.grant(refresh, ...TABLE_ACTIONS.refresh.observations);
    refresh.addToRolePolicy(
      new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [worker.functionArn] }),
    );
    new Rule(this, "RefreshSchedule", {
      description: "Runs the Citadel capacity refresh",
      schedule: Schedule.rate(Duration.minutes(config.refreshMinutes)),
      targets: [new LambdaFunction(refresh, { retryAttempts: 0, deadLetterQueue: refreshFailures })],
    });

    const router = new CitadelFunction(this, "Router", {
      entry: entry(LAMBDA_ENTRIES.router),
      description: "Citadel API router",
      timeout: Duration.seconds(TIMEOUTS.router),
      logRetentionDays: config.logRetentionDays,
      environment: {
        ...environment,
        ...typesEnvironment,
        CITADEL_REFRESH_FUNCTION: refresh.functionName,
        CITADEL_SCHEDULER_FUNCTIONS: Stack.of(this).toJsonString(
          Object.fromEntries(schedulers.map(({ type, scheduler }) => [type, scheduler.functionName])),
        ),
      },
    });
    hosts.grant(router, ...TABLE_ACTIONS.router.hosts);
    placements.grant(router, ...TABLE_ACTIONS.router.placements);
    observations.grant(router, ...TABLE_ACTIONS.router.observations);
    events.grant(router, ...TABLE_ACTIONS.router.events);
    profiles.grant(router, ...TABLE_ACTIONS.router.profiles);
    addresses.grant(router, ...TABLE_ACTIONS.router.addresses);
    router.addToRolePolicy(
      new PolicyStatement({
        actions: ["lambda:InvokeFunction"],
        resources: [refresh.functionArn, ...schedulers.map(({ scheduler }) => scheduler.functionArn)],
      }),
    );

    const api = this.httpApi(router, config);
    if (config.auth.mode === "iam") {
      for (const [role, id, description] of ROLE_POLICIES) {
        const policy = this.rolePolicy(api, role, id, description);
        new CfnOutput(this, `${id}Arn`, {
          value: policy.managedPolicyArn,
          description: `Attach to the IAM principals that ${description}`,
        });
      }
    }
    addAlarms(this, {
      email: config.alarmEmail,
      api,
      functions: [router, refresh, worker, ...schedulers.map(({ scheduler }) => scheduler)],
      deadLetters: [
        ["RefreshDeadLetters", refreshFailures, "capacity refreshes failed and were dead-lettered"],
        ["ShardDeadLetters", shardFailures, "shards of capacity refreshes failed and were dead-lettered"],
      ],
    });

    new CfnOutput(this, "ApiUrl", { value: api.apiEndpoint, description: "The Citadel API" });
    new CfnOutput(this, "HostsTable", { value: hosts.tableName });
    new CfnOutput(this, "PlacementsTable", { value: placements.tableName });
    new CfnOutput(this, "ObservationsTable", { value: observations.tableName });
    new CfnOutput(this, "EventsTable", { value: events.tableName });
    new CfnOutput(this, "RefreshFunction", { value: refresh.functionName });
  }

  /**
   * The API: each route of functions/api/access.ts to the router, authorized (with JWTs, each route
   * requires one of its roles' scopes), throttled, with access logs. A path or method that is no route
   * is API Gateway's own 404, before any Lambda runs.
   */
  /** An encrypted queue, TLS only, that keeps for 14 days what `of` failed to do. */
  private deadLetterQueue(id: string, of: string): Queue {
    const queue = new Queue(this, id, {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: `this queue is itself the dead-letter queue of ${of}`,
    });
    return queue;
  }

  private httpApi(router: IFunction, config: CitadelConfig): HttpApi {
    const authorizer: IHttpRouteAuthorizer =
      config.auth.mode === "iam"
        ? new HttpIamAuthorizer()
        : new HttpJwtAuthorizer("JwtAuthorizer", config.auth.issuer, { jwtAudience: config.auth.audience });
    const api = new HttpApi(this, "Api", {
      description: "Citadel placement API",
      defaultAuthorizer: authorizer,
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, "ApiAccessLogs", {
      retention: retention(config.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new HttpStage(this, "DefaultStage", {
      httpApi: api,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // HTTP API variables; requestId is also the correlation id the router logs by default.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            caller: "$context.identity.userArn",
            requestTime: "$context.requestTime",
            method: "$context.httpMethod",
            path: "$context.path",
            status: "$context.status",
            responseLength: "$context.responseLength",
            latencyMs: "$context.responseLatency",
            integrationError: "$context.integrationErrorMessage",
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration("RouterIntegration", router);
    const { auth } = config;
    for (const route of ROUTE_ACCESS) {
      api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(auth.mode === "jwt" && { authorizationScopes: route.roles.map((role) => auth.scopes[role]) }),
      });
    }
    return api;
  }

  /** A managed policy allowing `execute-api:Invoke` on exactly the routes of one role. */
  private rolePolicy(api: HttpApi, role: Role, id: string, description: string): ManagedPolicy {
    const policy = new ManagedPolicy(this, id, {
      description: `Citadel API: the ${role} role (principals that ${description})`,
      statements: [
        new PolicyStatement({
          actions: ["execute-api:Invoke"],
          resources: routesOf(role).map((route) =>
            api.arnForExecuteApi(route.method, iamPath(route), "$default"),
          ),
        }),
      ],
    });
    // cdk-nag names each finding by the resource as it renders it: tokens as <LogicalId>.
    const text = (value: string, token: string) => (Token.isUnresolved(value) ? `<${token}>` : value);
    const apiId = this.resolve(this.getLogicalId(api.node.defaultChild as CfnElement));
    const arnPrefix = `arn:<AWS::Partition>:execute-api:${text(this.region, "AWS::Region")}:${text(this.account, "AWS::AccountId")}:<${apiId}>/$default`;
    for (const route of routesOf(role).filter((candidate) => iamPath(candidate).includes("*"))) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arnPrefix}/${route.method}${iamPath(route)}]`,
        reason: `the * is the path parameter of ${route.method} ${route.path}: that one route, any id`,
      });
    }
    return policy;
  }
}
