import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { CitadelStack } from "../../infra/citadel-stack.js";
import { SCHEDULER_TYPES } from "../../shared/core/schedulers.js";

// Synthesized with bundling skipped, so the suite stays fast; `cdk synth` in CI bundles for real.
let template: Template;

beforeAll(() => {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  template = Template.fromStack(new CitadelStack(app, "Test"));
});

describe("the CDK stack", () => {
  it("has one scheduler Lambda per scheduler type, from the same list the router reads", () => {
    for (const { type } of SCHEDULER_TYPES) {
      template.hasResourceProperties("AWS::Lambda::Function", {
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        Environment: { Variables: Match.objectLike({ CITADEL_SCHEDULER_TYPE: type }) },
      });
    }
    // The schedulers, the router and the capacity refresh.
    template.resourceCountIs("AWS::Lambda::Function", SCHEDULER_TYPES.length + 2);
  });

  it("requires IAM authorization on every route", () => {
    const routes = template.findResources("AWS::ApiGatewayV2::Route");
    expect(Object.keys(routes).length).toBeGreaterThan(0);
    for (const route of Object.values(routes)) {
      expect(route.Properties.AuthorizationType).toBe("AWS_IAM");
    }
  });

  it("keeps the tables on demand, encrypted, recoverable, with a TTL on idempotency records", () => {
    template.resourceCountIs("AWS::DynamoDB::GlobalTable", 3);
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: "key", KeyType: "HASH" }],
      TimeToLiveSpecification: { AttributeName: "expires_at", Enabled: true },
    });
  });

  it("runs the capacity refresh every minute, and lets the router invoke it", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: [
        Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("^CapacityRefresh"), "Arn"] } }),
      ],
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          CITADEL_REFRESH_FUNCTION: { Ref: Match.stringLikeRegexp("^CapacityRefresh") },
        }),
      },
    });
  });

  it("gives the Docker TLS secret, when named, to the functions that reach hosts", () => {
    const app = new App({
      context: {
        "aws:cdk:bundling-stacks": [],
        "citadel:dockerTlsSecretArn":
          "arn:aws:secretsmanager:eu-west-1:123456789012:secret:citadel-docker-AbCdEf",
      },
    });
    const withTls = Template.fromStack(new CitadelStack(app, "Tls"));
    const readers = withTls.findResources("AWS::IAM::Policy", {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"] }),
          ]),
        },
      },
    });
    // Each scheduler and the refresh; not the router.
    const roles = Object.keys(readers).map((id) => id.replace(/ServiceRoleDefaultPolicy\w+$/, ""));
    expect(roles.sort()).toEqual(
      [...SCHEDULER_TYPES.map(({ type }) => `Scheduler${type}`), "CapacityRefresh"].sort(),
    );
  });
});
