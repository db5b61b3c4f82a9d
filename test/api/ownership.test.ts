import { describe, expect, it } from "vitest";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import type { Registry } from "../../shared/core/registry.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { apiEvent, iamAuthorizer } from "../support/api-event.js";
import { freshDynamoDbRegistry } from "../support/dynamodb.js";
import { host, noEngines } from "../support/fixtures.js";

// A placement is its caller's: another caller sees where it runs and what it reserves, not its request
// (a command line may hold secrets), and cannot release it.
const ALICE = iamAuthorizer("arn:aws:sts::111111111111:assumed-role/deployer/alice");
const BOB = iamAuthorizer("arn:aws:iam::222222222222:user/bob");
const SECRET = ["sh", "-c", "DB_PASSWORD=hunter2 exec worker"];
const BODY = JSON.stringify({
  image: "example/worker:2",
  cpus: "0.5",
  memory: 256,
  type: "service",
  labels: { team: "payments" },
  command: SECRET,
});

describe.each([
  ["in-memory", async () => new MemoryRegistry()],
  ["DynamoDB (DynamoDB Local)", freshDynamoDbRegistry],
] as [string, () => Promise<Registry>][])("a placement is its caller's: %s", (_, make) => {
  async function cluster() {
    const registry = await make();
    await registry.addHost(host("h1", 4, 8192));
    const { api } = inProcessApi(registry, { snapshotMaxAgeMs: 0, maxAttempts: 5, engines: noEngines });
    const call = async (
      method: string,
      path: string,
      who: Record<string, unknown> | undefined,
      body?: string,
    ) => {
      const [route = "", search] = path.split("?");
      const query = search ? Object.fromEntries(new URLSearchParams(search)) : undefined;
      const response = await api(
        apiEvent(method, route, {
          ...(body && { body }),
          ...(query && { query }),
          ...(who && { authorizer: who }),
        }),
      );
      return { status: response.statusCode, body: response.body ? JSON.parse(String(response.body)) : {} };
    };
    return { registry, call };
  }

  it("shows another caller where it runs but not its request, in one and in lists", async () => {
    const { call } = await cluster();
    const placed = await call("POST", "/v1/placements", ALICE, BODY);
    expect(placed.status).toBe(201);
    const id = placed.body.placement.id;
    const mine = await call("GET", `/v1/placements/${id}`, ALICE);
    expect(mine.body.container.command).toEqual(SECRET);
    const theirs = await call("GET", `/v1/placements/${id}`, BOB);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toMatchObject({
      resource: { id: "h1" },
      placement: { id, image: "example/worker:2" },
    });
    expect(theirs.body).not.toHaveProperty("container");
    for (const path of ["/v1/placements", "/v1/placements?host=h1"]) {
      const listed = await call("GET", path, BOB);
      expect(listed.body.placements).toHaveLength(1);
      expect(JSON.stringify(listed.body)).not.toContain("hunter2");
      expect((await call("GET", path, ALICE)).body.placements[0].container.command).toEqual(SECRET);
    }
  });

  it("lets only its caller release it: another gets 403 and it stays reserved", async () => {
    const { registry, call } = await cluster();
    const id = (await call("POST", "/v1/placements", ALICE, BODY)).body.placement.id;
    const refused = await call("DELETE", `/v1/placements/${id}`, BOB);
    expect([refused.status, refused.body.error]).toEqual([403, "not_owner"]);
    expect((await registry.getHost("h1"))?.placements.map((live) => live.id)).toEqual([id]);
    expect((await call("DELETE", `/v1/placements/${id}`, ALICE)).status).toBe(204);
    expect((await registry.getHost("h1"))?.placements).toEqual([]);
    // Gone, it is nobody's: releasing it again is harmless for anyone.
    expect((await call("DELETE", `/v1/placements/${id}`, BOB)).status).toBe(204);
  });
});
