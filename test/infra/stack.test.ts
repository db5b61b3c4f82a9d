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
    // The schedulers and the router.
    template.resourceCountIs("AWS::Lambda::Function", SCHEDULER_TYPES.length + 1);
  });

  it("requires IAM authorization on every route", () => {
    const routes = template.findResources("AWS::ApiGatewayV2::Route");
    expect(Object.keys(routes).length).toBeGreaterThan(0);
    for (const route of Object.values(routes)) {
      expect(route.Properties.AuthorizationType).toBe("AWS_IAM");
    }
  });

  it("keeps the tables on demand, encrypted, recoverable, with a TTL on idempotency records", () => {
    template.resourceCountIs("AWS::DynamoDB::GlobalTable", 2);
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
});
