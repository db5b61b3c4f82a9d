import { describe, expect, it } from "vitest";
import { readHostAllowlist } from "../../shared/adapters/config.js";
import { PRIVATE_RANGES } from "../../shared/core/address.js";
import type { Registry } from "../../shared/core/registry.js";
import { inProcessApi, LOCAL_HOST_RANGES } from "../../shared/local/in-process.js";
import { apiEvent } from "../support/api-event.js";
import { freshDynamoDbRegistry } from "../support/dynamodb.js";
import { noEngines } from "../support/fixtures.js";

// Registration through the router, over DynamoDB Local, with the allowlists of `npm start` (private
// ranges and loopback) and of AWS (private ranges). Addresses are registered here, never contacted.
async function router(ranges: readonly string[]) {
  const registry = await freshDynamoDbRegistry();
  const { api } = inProcessApi(registry, {
    snapshotMaxAgeMs: 0,
    maxAttempts: 5,
    engines: noEngines,
    hostAllowlist: readHostAllowlist({}, ranges),
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await api(
      apiEvent(method, path, body === undefined ? {} : { body: JSON.stringify(body) }),
    );
    return { status: answer.statusCode, body: answer.body ? JSON.parse(String(answer.body)) : {} };
  };
  return { registry, call };
}

async function ids(registry: Registry): Promise<string[]> {
  return (await registry.listHosts()).map((host) => host.id).sort();
}

describe("POST /v1/hosts: addresses", () => {
  it.each([
    ["169.254.169.254:80", "169.254.169.254 is link-local: never a Docker host"],
    ["[::ffff:169.254.169.254]:80", "169.254.169.254 is link-local: never a Docker host"],
    ["0.0.0.0:2375", "0.0.0.0 is unspecified: never a Docker host"],
    ["0:2375", "0.0.0.0 is unspecified: never a Docker host"],
    ["224.0.0.1:2375", "224.0.0.1 is multicast: never a Docker host"],
    ["[fe80::1]:2375", "fe80::1 is link-local: never a Docker host"],
    ["[fd00:ec2::254]:80", "fd00:ec2::254 is the EC2 instance metadata service: never a Docker host"],
    ["http://10.0.0.1:2375", "the scheme http:// is not supported: use host:port or tcp://host:port"],
  ])("refuses %s with a 400 naming why, and registers nothing", async (addr, why) => {
    const { registry, call } = await router(LOCAL_HOST_RANGES);
    const answer = await call("POST", "/v1/hosts", { addr });
    expect([answer.status, answer.body.error, answer.body.details]).toEqual([
      400,
      "invalid_request",
      [{ path: "addr", message: why }],
    ]);
    expect(await ids(registry)).toEqual([]);
  });

  it("takes 2130706433:2375 as 127.0.0.1:2375: allowed by the local list, refused by the AWS default", async () => {
    const local = await router(LOCAL_HOST_RANGES);
    const created = await local.call("POST", "/v1/hosts", { addr: "2130706433:2375" });
    expect([created.status, created.body.id, created.body.addr]).toEqual([
      201,
      "127-0-0-1-2375",
      "127.0.0.1:2375",
    ]);

    const aws = await router(PRIVATE_RANGES);
    const refused = await aws.call("POST", "/v1/hosts", { addr: "2130706433:2375" });
    expect([refused.status, refused.body.details]).toEqual([
      400,
      [
        {
          path: "addr",
          message:
            "127.0.0.1 is not in the allowed host ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7)",
        },
      ],
    ]);
    expect(await ids(aws.registry)).toEqual([]);
    // The README's hosts, and DNS names (checked once resolved, when the engine is contacted).
    for (const addr of ["10.0.0.11:2375", "tcp://Docker-1.Internal.:2376"]) {
      expect((await aws.call("POST", "/v1/hosts", { addr })).status).toBe(201);
    }
    expect(await ids(aws.registry)).toEqual(["10-0-0-11-2375", "docker-1-internal-2376"]);
    expect((await aws.registry.getHost("docker-1-internal-2376"))?.tls).toBe(true);
  });

  it("refuses one engine under another name: 409 addr_taken naming the host that has it, until removed", async () => {
    const { registry, call } = await router(LOCAL_HOST_RANGES);
    expect((await call("POST", "/v1/hosts", { addr: "127.0.0.1:2375", id: "engine" })).status).toBe(201);
    for (const addr of [
      "localhost:2375",
      "tcp://127.0.0.1:2375",
      "TCP://LOCALHOST",
      "[::ffff:127.0.0.1]:2375",
    ]) {
      const answer = await call("POST", "/v1/hosts", { addr, id: "alias" });
      expect([answer.status, answer.body]).toEqual([
        409,
        {
          error: "addr_taken",
          message: "127.0.0.1:2375 is already the address of host engine: one Docker engine is one host",
          addr: "127.0.0.1:2375",
          host_id: "engine",
        },
      ]);
    }
    expect(await ids(registry)).toEqual(["engine"]);
    expect((await call("DELETE", "/v1/hosts/engine")).status).toBe(204);
    const again = await call("POST", "/v1/hosts", { addr: "localhost:2375", id: "alias" });
    expect([again.status, again.body.addr]).toEqual([201, "127.0.0.1:2375"]);
  });

  it("lets one of two racing registrations of one engine win; the other is 409 addr_taken", async () => {
    const { registry, call } = await router(LOCAL_HOST_RANGES);
    const answers = await Promise.all([
      call("POST", "/v1/hosts", { addr: "localhost", id: "one" }),
      call("POST", "/v1/hosts", { addr: "127.1:2375", id: "two" }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
    const [winner] = await ids(registry);
    expect(answers.find((answer) => answer.status === 409)?.body.host_id).toBe(winner);
  });
});
