import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../shared/local/stack.js";
import { type ApiAnswer, apiCall } from "../support/api-client.js";
import { BOTH_STORES } from "../support/stores.js";

// Constraints and distinct_hosts through the local API, on both stores: where they place, what they
// answer when nothing matches, and the 400s for expressions Citadel cannot read.
describe.each(BOTH_STORES)("placement rules (%s store)", (_store, start) => {
  let stack: LocalStack;

  const call = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    apiCall(stack.url, method, path, body);

  const place = (fields: Record<string, unknown>) =>
    call("POST", "/v1/placements", {
      image: "example/web:1",
      cpus: "0.1",
      memory: 64,
      type: "service",
      ...fields,
    });

  beforeAll(async () => {
    stack = await start();
    const zones = { "rule-1": "eu-west-1a", "rule-2": "eu-north-1a", "rule-3": "us-east-1a" };
    for (const [index, [id, zone]] of Object.entries(zones).entries()) {
      const addr = `127.0.2.${index + 1}:2375`;
      const added = await call("POST", "/v1/hosts", {
        addr,
        id,
        total_cpus: 2,
        total_memory: 4096,
        labels: { zone },
      });
      expect(added.status).toBe(201);
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("places on the hosts whose label matches =~, and answers 409 naming it when none does", async () => {
    const placed = await place({ constraints: ["zone =~ eu-.*"] });
    expect(placed.status).toBe(201);
    expect(["rule-1", "rule-2"]).toContain(placed.body.resource.id);
    // Echoed as sent, spaces and all.
    expect(placed.body.container.constraints).toEqual(["zone =~ eu-.*"]);
    const nowhere = await place({ constraints: ["zone=~ap-.*"] });
    expect(nowhere.status).toBe(409);
    expect(nowhere.body).toMatchObject({
      error: "unschedulable",
      message: "0/3 hosts are available: 3 constraint zone=~ap-.* not met.",
      reasons: { "constraint zone=~ap-.* not met": 3 },
    });
  });

  it("places in a set (or out of it), and answers 409 naming it when no host's value is", async () => {
    const placed = await place({ constraints: ["zone in (us-east-1a, us-east-1b)"] });
    expect([placed.status, placed.body.resource.id]).toEqual([201, "rule-3"]);
    const outside = await place({ constraints: ["zone not in (eu-west-1a,us-east-1a)"] });
    expect([outside.status, outside.body.resource.id]).toEqual([201, "rule-2"]);
    const nowhere = await place({ constraints: ["zone in (ap-1,ap-2)"] });
    expect([nowhere.status, nowhere.body.reasons]).toEqual([
      409,
      { "constraint zone in (ap-1,ap-2) not met": 3 },
    ]);
  });

  it("places on the host host== names, and answers 409 naming it for a host that is not there", async () => {
    for (let count = 0; count < 3; count++) {
      const placed = await place({ constraints: ["host==rule-2"] });
      expect([placed.status, placed.body.resource.id]).toEqual([201, "rule-2"]);
    }
    const avoided = await place({ constraints: ["host!=rule-1", "zone=~eu-.*"] });
    expect([avoided.status, avoided.body.resource.id]).toEqual([201, "rule-2"]);
    const nowhere = await place({ constraints: ["host==rule-9"] });
    expect([nowhere.status, nowhere.body.reasons]).toEqual([409, { "constraint host==rule-9 not met": 3 }]);
  });

  it("places one replica per host with distinct_hosts, then answers 409 saying the image is on every host", async () => {
    const unique = { image: "example/unique:1", distinct_hosts: true };
    const placed = [await place(unique), await place(unique), await place(unique)];
    expect(placed.map((answer) => answer.status)).toEqual([201, 201, 201]);
    expect(placed.map((answer) => answer.body.resource.id).sort()).toEqual(["rule-1", "rule-2", "rule-3"]);
    expect(placed[0]?.body.container.distinct_hosts).toBe(true);
    const fourth = await place(unique);
    expect(fourth.status).toBe(409);
    expect(fourth.body).toMatchObject({
      message: "0/3 hosts are available: 3 image already on host (distinct_hosts).",
      reasons: { "image already on host (distinct_hosts)": 3 },
    });
    // Without it, the same image goes on; released, a host takes the image again.
    const plain = await place({ image: "example/unique:1" });
    expect(plain.status).toBe(201);
    for (const answer of [plain, placed[0]]) {
      expect((await call("DELETE", `/v1/placements/${answer?.body.placement.id}`)).status).toBe(204);
    }
    const again = await place(unique);
    expect([again.status, again.body.resource.id]).toEqual([201, placed[0]?.body.resource.id]);
  });

  it("refuses expressions it cannot read, and a distinct_hosts that is not a boolean, with 400 naming each", async () => {
    const bad = await place({
      constraints: [
        "zone=~(a",
        `zone in (${Array.from({ length: 33 }, (_, i) => i).join(",")})`,
        "host==a.b",
      ],
      distinct_hosts: "yes",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([
      { path: "constraints.0", message: 'invalid regex "(a": missing closing ): `(a`' },
      { path: "constraints.1", message: "at most 32 values in a set" },
      { path: "constraints.2", message: '"a.b" is not a valid host id' },
      { path: "distinct_hosts", message: expect.stringMatching(/boolean/) },
    ]);
    expect((await place({ constraints: ["zone in ()"] })).body.details).toEqual([
      { path: "constraints.0", message: "a set's values must not be empty: key in (a,b)" },
    ]);
  });
});
