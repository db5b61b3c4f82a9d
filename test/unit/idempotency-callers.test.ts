import { describe, expect, it } from "vitest";
import { ANONYMOUS, callerOf } from "../../functions/api/caller.js";
import { callersKey } from "../../functions/scheduler/scheduler.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import type { Registry } from "../../shared/core/registry.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { apiEvent, iamAuthorizer } from "../support/api-event.js";
import { freshDynamoDbRegistry } from "../support/dynamodb.js";
import { host, noEngines } from "../support/fixtures.js";

const ALICE = "arn:aws:sts::111111111111:assumed-role/deployer/alice";
const BOB = "arn:aws:iam::222222222222:user/bob";

const iam = iamAuthorizer;

function jwt(claims: Record<string, unknown>) {
  return { jwt: { claims, scopes: null } };
}

describe("callerOf: who sent a request, as API Gateway authenticated them", () => {
  it("names the IAM principal by its ARN, else by its account and caller id", () => {
    expect(callerOf(apiEvent("POST", "/v1/placements", { authorizer: iam(ALICE) }))).toBe(`iam:${ALICE}`);
    const noArn = { iam: { accountId: "111111111111", callerId: "AIDAEXAMPLE" } };
    expect(callerOf(apiEvent("POST", "/v1/placements", { authorizer: noArn }))).toBe(
      'iam:["111111111111","AIDAEXAMPLE"]',
    );
  });

  it("names a JWT's caller by its issuer and subject, so that issuers' subjects never meet", () => {
    const of = (claims: Record<string, unknown>) =>
      callerOf(apiEvent("POST", "/v1/placements", { authorizer: jwt(claims) }));
    expect(of({ iss: "https://idp.example", sub: "alice", aud: "citadel" })).toBe(
      'jwt:["https://idp.example","alice"]',
    );
    // A machine's token without a subject is named by its client, not taken for anonymous.
    expect(of({ iss: "https://idp.example", client_id: "machine-1" })).toBe(
      'jwt:["https://idp.example","machine-1"]',
    );
    // A separator inside the claims cannot make two pairs read alike.
    expect(of({ iss: "https://a", sub: "b c" })).not.toBe(of({ iss: "https://a b", sub: "c" }));
  });

  it("is anonymous without an authorizer (the local server)", () => {
    expect(callerOf(apiEvent("POST", "/v1/placements"))).toBe(ANONYMOUS);
  });

  it("records a caller's key under a digest of the caller and the key itself", () => {
    expect(callersKey(`iam:${ALICE}`, "k")).not.toBe(callersKey(`iam:${BOB}`, "k"));
    expect(callersKey(`iam:${ALICE}`, "k")).toMatch(/^[\w-]{43} k$/);
  });
});

const BODY = JSON.stringify({ image: "example/report:1.4", cpus: 1, memory: 1024, type: "batch" });

describe.each([
  ["in-memory", async () => new MemoryRegistry()],
  ["DynamoDB (DynamoDB Local)", freshDynamoDbRegistry],
] as [string, () => Promise<Registry>][])("Idempotency-Key per caller, through the router: %s", (_, make) => {
  async function placing() {
    const registry = await make();
    await registry.addHost(host("h1", 8, 16384));
    const { api } = inProcessApi(registry, { snapshotMaxAgeMs: 0, maxAttempts: 5, engines: noEngines });
    return {
      registry,
      place: async (authorizer: Record<string, unknown> | undefined, body = BODY) => {
        const response = await api(
          apiEvent("POST", "/v1/placements", {
            body,
            headers: { "idempotency-key": "nightly-report" },
            ...(authorizer && { authorizer }),
          }),
        );
        return {
          status: response.statusCode,
          replayed: response.headers?.["idempotent-replayed"] === "true",
          body: JSON.parse(String(response.body)),
        };
      },
    };
  }

  it("gives two IAM callers with one key two placements, and each caller its own replay", async () => {
    const { registry, place } = await placing();
    const alice = await place(iam(ALICE));
    const bob = await place(iam(BOB));
    expect([alice.status, alice.replayed, bob.status, bob.replayed]).toEqual([201, false, 201, false]);
    expect(bob.body.placement.id).not.toBe(alice.body.placement.id);
    const again = await place(iam(ALICE));
    expect([again.status, again.replayed, again.body.placement.id]).toEqual([
      201,
      true,
      alice.body.placement.id,
    ]);
    expect((await registry.getHost("h1"))?.placements).toHaveLength(2);
  });

  it("keeps one caller's key from another: a different body under it is not refused for them", async () => {
    const { place } = await placing();
    const issuer = "https://idp.example";
    expect((await place(jwt({ iss: issuer, sub: "alice" }))).status).toBe(201);
    const other = JSON.stringify({ image: "example/other:1", cpus: 1, memory: 512, type: "batch" });
    // Another subject, another issuer's same subject, the anonymous caller: none meets alice's key.
    expect((await place(jwt({ iss: issuer, sub: "mallory" }), other)).replayed).toBe(false);
    expect((await place(jwt({ iss: "https://other.example", sub: "alice" }), other)).status).toBe(201);
    expect((await place(undefined, other)).status).toBe(201);
    // Alice's own key still binds her: another body is a 409.
    const reused = await place(jwt({ iss: issuer, sub: "alice" }), other);
    expect([reused.status, reused.body.error]).toEqual([409, "idempotency_key_reused"]);
  });
});
