import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { ROUTE_ACCESS } from "../../functions/api/access.js";
import { CitadelStack } from "../../infra/citadel-stack.js";
import { type CitadelConfig, DEFAULTS } from "../../infra/config.js";
import {
  parseSchedulerTypes,
  DEFAULT_SCHEDULER_TYPES as SCHEDULER_TYPES,
} from "../../shared/core/schedulers.js";

// Synthesized with bundling skipped, so the suite stays fast; `cdk synth` in CI bundles for real, and
// test/infra/bundles.test.ts runs the bundles.
const FULL: CitadelConfig = {
  ...DEFAULTS,
  alarmEmail: "ops@example.com",
  dockerTlsSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:citadel-docker-AbCdEf",
  vpc: {
    vpcId: "vpc-1",
    subnetIds: ["subnet-1", "subnet-2"],
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
  },
  auth: {
    mode: "jwt",
    issuer: "https://issuer.example",
    audience: ["citadel"],
    scopes: { client: "citadel/place", operator: "citadel/operate" },
  },
  schedulerTypes: parseSchedulerTypes(
    [{ type: "gpu-batch", description: "GPU jobs, packed.", score: { binpack: 1 } }],
    "test",
  ),
};

function synth(context: Record<string, unknown> = {}, config?: CitadelConfig) {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [], ...context } });
  const stack = new CitadelStack(app, "Test", {
    env: { account: "123456789012", region: "eu-west-1" },
    ...(config && { config }),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

const { template } = synth();
const SCHEDULERS = SCHEDULER_TYPES.map(({ type }) => `Scheduler${type}`);

/** Each statement of a function's role policy: its actions, and the logical ids of its resources. */
function permissions(t: Template, fn: string): Record<string, string[]> {
  const policies = Object.values(t.findResources("AWS::IAM::Policy")).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes(`"${fn}Role`),
  );
  const granted: Record<string, string[]> = {};
  for (const statement of policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement)) {
    const resources = [statement.Resource]
      .flat()
      .map((resource: { "Fn::GetAtt"?: [string] } | string) =>
        typeof resource === "string"
          ? resource
          : (resource["Fn::GetAtt"]?.[0] ?? JSON.stringify(resource)).replace(/[0-9A-F]{8}$/, ""),
      );
    for (const resource of resources)
      granted[resource] = [...(granted[resource] ?? []), ...[statement.Action].flat()];
  }
  return granted;
}

/** An ARN of the template as text: `Fn::Join` resolved, the partition `aws`, the API's id `API`. */
function arnText(arn: unknown): string {
  if (typeof arn === "string") return arn;
  const { "Fn::Join": join, Ref: ref } = arn as { "Fn::Join"?: [string, unknown[]]; Ref?: string };
  if (join) return join[1].map(arnText).join(join[0]);
  if (ref === "AWS::Partition") return "aws";
  if (ref?.startsWith("Api")) return "API";
  throw new Error(`unexpected part of an ARN: ${JSON.stringify(arn)}`);
}

/** IAM's resource matching: `*` any characters (slashes too), `?` one. */
function iamMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(arn);
}

describe("the CDK stack", () => {
  it("has one scheduler Lambda per scheduler type, from the same list the router reads, on Node 24 arm64", () => {
    for (const { type } of SCHEDULER_TYPES) {
      template.hasResourceProperties("AWS::Lambda::Function", {
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Timeout: 25,
        ReservedConcurrentExecutions: 10,
        Environment: {
          Variables: Match.objectLike({ CITADEL_SCHEDULER_TYPE: type, NODE_OPTIONS: "--enable-source-maps" }),
        },
      });
    }
    // The schedulers, the router, the capacity refresh and its worker.
    template.resourceCountIs("AWS::Lambda::Function", SCHEDULER_TYPES.length + 3);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Timeout: 28,
      Handler: "index.handler",
    });
    // Nested: a scheduler ends before the router, the router before API Gateway's 30 s integration timeout.
  });

  it("gives a configured scheduler type its own scheduler Lambda, and the types to it and to the router", () => {
    const types = [
      { type: "gpu-batch", description: "GPU jobs, packed.", score: { binpack: 1, "least-allocated": 0.5 } },
      {
        type: "zonal",
        description: "Zones first.",
        score: { replicas: 128 },
        defaults: { spread: { label: "zone" } },
      },
    ];
    const configured = synth({ "citadel:schedulerTypes": JSON.stringify(types) }).template;
    const variables = (fn: Record<string, { Environment: { Variables: Record<string, unknown> } }>) =>
      fn.Properties?.Environment.Variables ?? {};
    const functions = Object.values(configured.findResources("AWS::Lambda::Function")).map(variables);
    expect(functions).toHaveLength(SCHEDULER_TYPES.length + types.length + 3);
    const serving = (type: string) => functions.filter((env) => env.CITADEL_SCHEDULER_TYPE === type);
    for (const type of ["service", "batch", "gpu-batch", "zonal"]) expect(serving(type)).toHaveLength(1);
    // Every scheduler and the router read the configured types as written; the refresh functions do not need them.
    const readers = functions.filter((env) => env.CITADEL_SCHEDULER_TYPES !== undefined);
    expect(readers).toHaveLength(SCHEDULER_TYPES.length + types.length + 1);
    for (const env of readers) expect(JSON.parse(env.CITADEL_SCHEDULER_TYPES as string)).toEqual(types);
    // The router knows each type's function, and may invoke it.
    const router = functions.find((env) => env.CITADEL_SCHEDULER_FUNCTIONS !== undefined);
    expect(JSON.stringify(router?.CITADEL_SCHEDULER_FUNCTIONS)).toContain('\\"gpu-batch\\":');
    expect(permissions(configured, "Router")).toHaveProperty("Schedulergpubatch", ["lambda:InvokeFunction"]);
    // Without configured types, no function carries the variable.
    expect(JSON.stringify(template.toJSON())).not.toContain("CITADEL_SCHEDULER_TYPES");
  });

  it("refuses malformed scheduler types at synth, naming the problem", () => {
    const synthWith = (types: unknown) => () => synth({ "citadel:schedulerTypes": types });
    expect(synthWith('[{"type":"x","description":"d","score":{"pack":1}}]')).toThrow(
      "context citadel:schedulerTypes: 0.score.pack: unknown rule",
    );
    expect(synthWith([{ type: "Big", description: "d", score: { binpack: 1 } }])).toThrow(
      "context citadel:schedulerTypes: 0.type: must be 1-32 lowercase letters",
    );
    expect(synthWith([{ type: "batch", description: "d", score: { binpack: 1 } }])).toThrow(
      'duplicate type "batch"',
    );
    expect(synthWith("[")).toThrow("context citadel:schedulerTypes is not JSON");
    const many = Array.from({ length: 12 }, (_, n) => ({
      type: `t${n}`,
      description: "d".repeat(200),
      score: { binpack: 1 },
    }));
    expect(synthWith(many)).toThrow("context citadel:schedulerTypes: at most 2048 bytes of JSON");
  });

  it("routes each route of the access list to the router, each with IAM authorization by default", () => {
    const routes = Object.values(template.findResources("AWS::ApiGatewayV2::Route"));
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(
      ROUTE_ACCESS.map((route) => `${route.method} ${route.path}`).sort(),
    );
    expect(routes).toHaveLength(15);
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe("AWS_IAM");
    template.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 0);
  });

  it("with IAM, gives each role a managed policy allowing exactly its routes", () => {
    const policies = template.findResources("AWS::IAM::ManagedPolicy");
    expect(Object.keys(policies)).toHaveLength(2);
    const allowed = (policy: string) => {
      const [id, resource] = Object.entries(policies).find(([id]) => id.startsWith(policy)) ?? [];
      expect(id, policy).toBeDefined();
      const statements = resource?.Properties.PolicyDocument.Statement;
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatchObject({ Effect: "Allow", Action: "execute-api:Invoke" });
      return [statements[0].Resource].flat().map(arnText);
    };
    const client = allowed("ClientPolicy");
    const operator = allowed("OperatorPolicy");
    for (const pattern of [...client, ...operator]) {
      expect(pattern).toMatch(
        /^arn:aws:execute-api:eu-west-1:123456789012:API\/\$default\/(GET|POST|PATCH|DELETE)\/./,
      );
      expect(pattern).not.toMatch(/\/\$default\/\*|\/\*\/\*/);
    }
    // Who may call what, written out here rather than derived from the access list it checks.
    const calls: [method: string, path: string, client: boolean, operator: boolean][] = [
      ["POST", "/v1/placements", true, false],
      ["GET", "/v1/placements", true, true],
      ["GET", "/v1/placements/docker-1.abc", true, true],
      ["DELETE", "/v1/placements/docker-1.abc", true, false],
      ["POST", "/v1/candidates", true, false],
      ["POST", "/v1/hosts", false, true],
      ["POST", "/v1/hosts/refresh", false, true],
      ["GET", "/v1/hosts", true, true],
      ["GET", "/v1/hosts/docker-1", true, true],
      ["PATCH", "/v1/hosts/docker-1", false, true],
      ["DELETE", "/v1/hosts/docker-1", false, true],
      ["GET", "/v1/images/team/app:1/profile", true, true],
      ["GET", "/v1/schedulers", true, true],
      ["GET", "/v1/cluster", true, true],
      ["GET", "/healthz", true, true],
      ["PUT", "/v1/hosts/docker-1", false, false],
      ["POST", "/v1/cluster", false, false],
    ];
    const may = (patterns: string[], method: string, path: string) =>
      patterns.some((pattern) =>
        iamMatches(pattern, `arn:aws:execute-api:eu-west-1:123456789012:API/$default/${method}${path}`),
      );
    expect(
      calls.map(([method, path]) => [method, path, may(client, method, path), may(operator, method, path)]),
    ).toEqual(calls);
    template.hasOutput("ClientPolicyArn", { Value: { Ref: Match.stringLikeRegexp("^ClientPolicy") } });
    template.hasOutput("OperatorPolicyArn", { Value: { Ref: Match.stringLikeRegexp("^OperatorPolicy") } });
  });

  it("with JWTs, requires on each route the scopes of its roles (names configurable), and no IAM policy", () => {
    const jwt = synth({
      "citadel:auth": "jwt",
      "citadel:jwtIssuer": "https://issuer.example",
      "citadel:jwtAudience": " citadel , other ,",
      "citadel:jwtPlaceScope": "acme/place",
    }).template;
    jwt.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      JwtConfiguration: { Issuer: "https://issuer.example", Audience: ["citadel", "other"] },
    });
    const scopes = Object.fromEntries(
      Object.values(jwt.findResources("AWS::ApiGatewayV2::Route")).map((route) => {
        expect(route.Properties.AuthorizationType).toBe("JWT");
        return [route.Properties.RouteKey, route.Properties.AuthorizationScopes];
      }),
    );
    expect(Object.keys(scopes)).toHaveLength(15);
    const both = ["acme/place", "citadel/operate"];
    expect(scopes).toMatchObject({
      "POST /v1/placements": ["acme/place"],
      "DELETE /v1/placements/{id}": ["acme/place"],
      "POST /v1/candidates": ["acme/place"],
      "GET /v1/placements": both,
      "POST /v1/hosts": ["citadel/operate"],
      "POST /v1/hosts/refresh": ["citadel/operate"],
      "PATCH /v1/hosts/{id}": ["citadel/operate"],
      "DELETE /v1/hosts/{id}": ["citadel/operate"],
      "GET /v1/hosts": both,
      "GET /v1/cluster": both,
    });
    jwt.resourceCountIs("AWS::IAM::ManagedPolicy", 0);
  });

  it("tells every function which addresses may be Docker hosts: the private ranges unless configured", () => {
    const variables = (t: Template) =>
      Object.values(t.findResources("AWS::Lambda::Function")).map(
        (fn) => fn.Properties.Environment.Variables.CITADEL_HOST_CIDRS,
      );
    expect(variables(template)).toEqual(
      Array(SCHEDULER_TYPES.length + 3).fill("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"),
    );
    expect(new Set(variables(synth({ "citadel:hostCidrs": "10.1.0.0/16" }).template))).toEqual(
      new Set(["10.1.0.0/16"]),
    );
  });

  it("throttles the API and writes access logs", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: {
        DestinationArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ApiAccessLogs"), "Arn"] },
        Format: Match.stringLikeRegexp("requestId"),
      },
    });
    synth({ "citadel:apiRateLimit": "5", "citadel:apiBurstLimit": "10" }).template.hasResourceProperties(
      "AWS::ApiGatewayV2::Stage",
      { DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } },
    );
  });

  it("grants each function exactly the actions it uses on exactly its tables", () => {
    for (const scheduler of SCHEDULERS) {
      expect(permissions(template, scheduler)).toEqual({
        [`${scheduler}Logs`]: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Hosts: ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"],
        Placements: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
        Observations: ["dynamodb:GetItem", "dynamodb:Scan"],
        Events: ["dynamodb:Query"],
        Requests: ["dynamodb:GetItem", "dynamodb:PutItem"],
      });
    }
    // The refresh lists the hosts and invokes its worker; the worker reads and writes the hosts it probes.
    expect(permissions(template, "CapacityRefresh")).toEqual({
      RefreshFailures: ["sqs:SendMessage"],
      CapacityRefreshLogs: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Hosts: ["dynamodb:Scan"],
      Observations: ["dynamodb:Scan"],
      RefreshWorker: ["lambda:InvokeFunction"],
    });
    expect(permissions(template, "RefreshWorker")).toEqual({
      ShardFailures: ["sqs:SendMessage"],
      RefreshWorkerLogs: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Hosts: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      Placements: ["dynamodb:Query", "dynamodb:DeleteItem"],
      Observations: ["dynamodb:GetItem", "dynamodb:PutItem"],
      Events: ["dynamodb:PutItem"],
      Profiles: ["dynamodb:GetItem", "dynamodb:PutItem"],
    });
    expect(permissions(template, "Router")).toEqual({
      RouterLogs: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Hosts: [
        "dynamodb:GetItem",
        "dynamodb:Scan",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
      ],
      Placements: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DeleteItem"],
      Observations: [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Scan",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
      ],
      Events: ["dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"],
      Profiles: ["dynamodb:GetItem"],
      Addresses: ["dynamodb:PutItem", "dynamodb:DeleteItem"],
      CapacityRefresh: ["lambda:InvokeFunction"],
      ...Object.fromEntries(SCHEDULERS.map((name) => [name, ["lambda:InvokeFunction"]])),
    });
    // The router cannot touch idempotency records; nobody else invokes Lambdas (but the refresh its worker); nobody deletes a host's
    // item but the router (a host's removal), nor writes a whole one (a commit is an UpdateItem).
  });

  it("gives the Docker TLS secret, when named, to the functions that reach hosts, and not the router", () => {
    const withTls = synth({ "citadel:dockerTlsSecretArn": FULL.dockerTlsSecretArn }).template;
    for (const fn of [...SCHEDULERS, "RefreshWorker"]) {
      expect(
        Object.entries(permissions(withTls, fn)).find(([, actions]) =>
          actions.includes("secretsmanager:GetSecretValue"),
        ),
      ).toBeDefined();
    }
    for (const fn of ["Router", "CapacityRefresh"])
      expect(JSON.stringify(permissions(withTls, fn))).not.toContain("secretsmanager");
    withTls.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ CITADEL_DOCKER_TLS_SECRET: FULL.dockerTlsSecretArn }) },
    });
  });

  it("puts the functions that reach Docker hosts into the configured VPC subnets", () => {
    const inVpc = synth({}, FULL).template;
    const configs = Object.values(inVpc.findResources("AWS::Lambda::Function")).map(
      (fn) => fn.Properties.VpcConfig,
    );
    // Every scheduler (FULL configures one type more) and the refresh worker.
    expect(configs.filter((config) => config?.SubnetIds?.length === 2)).toHaveLength(
      SCHEDULER_TYPES.length + FULL.schedulerTypes.length + 1,
    );
  });

  it("refreshes on a schedule, one at a time, failures to a dead-letter queue; the router may invoke it", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^CapacityRefresh"), "Arn"] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
          DeadLetterConfig: { Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^RefreshFailures"), "Arn"] } },
        }),
      ],
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Timeout: 60,
      ReservedConcurrentExecutions: 1,
      DeadLetterConfig: { TargetArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^RefreshFailures"), "Arn"] } },
    });
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", { MaximumRetryAttempts: 0 });
    template.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          CITADEL_REFRESH_FUNCTION: { Ref: Match.stringLikeRegexp("^CapacityRefresh") },
        }),
      },
    });
    synth({ "citadel:refreshMinutes": "5" }).template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(5 minutes)",
    });
  });

  it("fans a round out to the refresh worker: reserved, never retried, failed shards to their own dead-letter queue", () => {
    const worker = Object.entries(template.findResources("AWS::Lambda::Function")).find(([id]) =>
      id.startsWith("RefreshWorker"),
    )?.[1];
    expect(worker?.Properties).toMatchObject({
      Timeout: 60,
      ReservedConcurrentExecutions: 100,
      DeadLetterConfig: { TargetArn: { "Fn::GetAtt": [expect.stringMatching(/^ShardFailures/), "Arn"] } },
    });
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: Match.stringLikeRegexp("^RefreshWorker") },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          CITADEL_REFRESH_WORKER_FUNCTION: { Ref: Match.stringLikeRegexp("^RefreshWorker") },
          CITADEL_REFRESH_WORKERS: "100",
        }),
      },
    });
    const fewer = synth({ "citadel:refreshWorkers": "8" }).template;
    fewer.hasResourceProperties("AWS::Lambda::Function", { ReservedConcurrentExecutions: 8 });
    fewer.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ CITADEL_REFRESH_WORKERS: "8" }) },
    });
    expect(() => synth({ "citadel:refreshWorkers": "0" })).toThrow(
      "context citadel:refreshWorkers must be a whole number ≥ 1",
    );
  });

  it("keeps the tables on demand, encrypted, recoverable and protected; the context flag releases them", () => {
    template.resourceCountIs("AWS::DynamoDB::GlobalTable", 7);
    const tables = Object.values(template.findResources("AWS::DynamoDB::GlobalTable"));
    for (const table of tables) {
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.Properties).toMatchObject({
        BillingMode: "PAY_PER_REQUEST",
        Replicas: [
          {
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          },
        ],
      });
    }
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [
        { AttributeName: "host_id", KeyType: "HASH" },
        { AttributeName: "id", KeyType: "RANGE" },
      ],
    });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [
        { AttributeName: "host_id", KeyType: "HASH" },
        { AttributeName: "seq", KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
    });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: "key", KeyType: "HASH" }],
      TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
    });
    const released = synth({ "citadel:retainData": "false" }).template.findResources(
      "AWS::DynamoDB::GlobalTable",
    );
    expect(Object.keys(released)).toHaveLength(7);
    for (const table of Object.values(released)) {
      expect([table.DeletionPolicy, table.Properties.Replicas[0].DeletionProtectionEnabled]).toEqual([
        "Delete",
        false,
      ]);
    }
  });

  it("keeps logs for the configured retention", () => {
    const groups = Object.values(template.findResources("AWS::Logs::LogGroup"));
    expect(groups).toHaveLength(SCHEDULER_TYPES.length + 4); // each function's, and the API's access logs
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it("alarms on each function's errors and throttles, the API's 5xx and dead-lettered refreshes and shards", () => {
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm"));
    const metrics = alarms.map((alarm) => `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`);
    const functions = SCHEDULER_TYPES.length + 3;
    expect(metrics.filter((metric) => metric === "AWS/Lambda/Errors")).toHaveLength(functions);
    expect(metrics.filter((metric) => metric === "AWS/Lambda/Throttles")).toHaveLength(functions);
    expect(alarms).toHaveLength(2 * functions + 3);
    expect(metrics).toContain("AWS/ApiGateway/5xx");
    expect(metrics.filter((metric) => metric === "AWS/SQS/ApproximateNumberOfMessagesVisible")).toHaveLength(
      2,
    );
    // With an address, they notify it.
    const notified = synth({ "citadel:alarmEmail": "ops@example.com" }).template;
    notified.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
    const notifying = Object.values(notified.findResources("AWS::CloudWatch::Alarm"));
    expect(notifying).toHaveLength(alarms.length);
    for (const alarm of notifying) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  it("leaves the schedulers unreserved when asked (accounts at the 10-execution limit)", () => {
    const unreserved = synth({ "citadel:schedulerConcurrency": "none" }).template;
    const reserved = Object.values(unreserved.findResources("AWS::Lambda::Function")).filter(
      (fn) => fn.Properties.ReservedConcurrentExecutions !== undefined,
    );
    expect(reserved).toHaveLength(2); // the refresh and its worker
  });

  it("outputs the API's URL, the hosts, placements, observations and events tables and the refresh function", () => {
    template.hasOutput("ApiUrl", {
      Value: { "Fn::GetAtt": [Match.stringLikeRegexp("^Api"), "ApiEndpoint"] },
    });
    template.hasOutput("HostsTable", { Value: { Ref: Match.stringLikeRegexp("^Hosts") } });
    template.hasOutput("PlacementsTable", { Value: { Ref: Match.stringLikeRegexp("^Placements") } });
    template.hasOutput("ObservationsTable", { Value: { Ref: Match.stringLikeRegexp("^Observations") } });
    template.hasOutput("EventsTable", { Value: { Ref: Match.stringLikeRegexp("^Events") } });
    template.hasOutput("RefreshFunction", { Value: { Ref: Match.stringLikeRegexp("^CapacityRefresh") } });
  });

  it("refuses malformed configuration at synth, naming it", () => {
    expect(() => synth({ "citadel:refreshMinutes": "0" })).toThrow(
      "context citadel:refreshMinutes must be a whole number ≥ 1",
    );
    expect(() => synth({ "citadel:auth": "jwt" })).toThrow(
      "context citadel:jwtIssuer (with citadel:auth=jwt) is required",
    );
    expect(() => synth({ "citadel:auth": "none" })).toThrow('context citadel:auth must be "iam" or "jwt"');
    expect(() => synth({ "citadel:logRetentionDays": "31" })).toThrow("log retention must be one of");
    expect(() =>
      synth({
        "citadel:auth": "jwt",
        "citadel:jwtIssuer": "https://i.example",
        "citadel:jwtAudience": " , ",
      }),
    ).toThrow("context citadel:jwtAudience must name at least one audience");
    expect(() => synth({ "citadel:hostCidrs": "10.0.0.0/8,169.254.0.0/16" })).toThrow(
      "context citadel:hostCidrs: 169.254.0.0/16 is link-local",
    );
    expect(() => synth({ "citadel:vpc": '{"vpcId":"vpc-1","subnetIds":["a"]}' })).toThrow(
      "context citadel:vpc must be",
    );
  });

  it.each([
    ["the defaults", DEFAULTS],
    ["every option on", FULL],
  ])("passes cdk-nag's AwsSolutions checks with %s, every acknowledgement with a reason", (_, config) => {
    const { app, stack } = synth({}, config);
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.description}`)).toEqual(
      [],
    );
  });
});
