import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { authorization, regionOfHost } from "../../cli/auth.js";
import { UsageError } from "../../cli/exit.js";
import { sigV4Headers } from "../../cli/sign.js";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { citadel } from "./citadel.js";
import { type Admits, credentialEnv, type Gateway, gateway } from "./gateway.js";

// AWS's published SigV4 test suite (aws-sig-v4-test-suite): its credentials, date, region and service.
const EXAMPLE = {
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  region: "us-east-1",
  service: "service",
};
const EXAMPLE_DATE = new Date("2015-08-30T12:36:00Z");
const suiteAuthorization = (signature: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`;

describe("SigV4, on AWS's published test vectors", () => {
  it.each([
    ["get-vanilla", "GET", "/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"],
    [
      "get-vanilla-query-order-key-case",
      "GET",
      "/?Param2=value2&Param1=value1",
      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ],
    ["post-vanilla", "POST", "/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"],
  ])("%s", async (_name, method, path, signature) => {
    const url = new URL(path, "https://example.amazonaws.com");
    expect(await sigV4Headers({ method, url, headers: {} }, EXAMPLE, EXAMPLE_DATE)).toEqual({
      "x-amz-date": "20150830T123600Z",
      authorization: suiteAuthorization(signature),
    });
  });
});

describe("which requests are signed, and for which region", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const request = (endpoint: string) => ({ method: "GET", url: new URL("/v1/hosts", endpoint), headers: {} });
  const withKeys = () => {
    vi.stubEnv("AWS_PROFILE", undefined);
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDTEST");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    vi.stubEnv("AWS_SESSION_TOKEN", "session");
  };

  it("reads the region of an API Gateway endpoint from its host name", () => {
    expect(regionOfHost(new URL("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"))).toBe("eu-west-1");
    expect(regionOfHost(new URL("https://api.example.com"))).toBeUndefined();
  });

  it("signs for execute-api in the endpoint's region when the endpoint is API Gateway's", async () => {
    withKeys();
    vi.stubEnv("AWS_REGION", "us-east-1");
    const endpoint = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com";
    const headers = await authorization(new URL(endpoint), { endpoint })(request(endpoint));
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, /,
    );
    expect(headers["x-amz-security-token"]).toBe("session");
  });

  it("signs any https endpoint, for the configured region; plain http only when asked", async () => {
    withKeys();
    vi.stubEnv("AWS_REGION", "ap-south-1");
    const custom = "https://citadel.example.com";
    expect(
      (await authorization(new URL(custom), { endpoint: custom })(request(custom))).authorization,
    ).toContain("/ap-south-1/execute-api/aws4_request");
    const local = "http://127.0.0.1:3000";
    expect(await authorization(new URL(local), { endpoint: local })(request(local))).toEqual({});
    expect(
      (await authorization(new URL(local), { endpoint: local, region: "sa-east-1" })(request(local)))
        .authorization,
    ).toContain("/sa-east-1/execute-api/aws4_request");
  });

  it("sends --token as a bearer token, which excludes signing", async () => {
    const local = "http://127.0.0.1:3000";
    expect(await authorization(new URL(local), { endpoint: local, token: "jwt" })(request(local))).toEqual({
      authorization: "Bearer jwt",
    });
    expect(() => authorization(new URL(local), { endpoint: local, token: "jwt", sigv4: true })).toThrow(
      UsageError,
    );
  });
});

describe("against a gateway that checks signatures as API Gateway does", () => {
  const admits: Admits = {
    credentials: {
      accessKeyId: "AKIDCITADEL",
      secretAccessKey: "citadel/secret/key",
      sessionToken: "citadel-session",
    },
    region: "eu-west-1",
    token: "header.payload.signature",
  };
  const keys = credentialEnv(admits);
  let stack: LocalStack;
  let front: Gateway;
  const signed = (words: string, env: Record<string, string> = keys) =>
    citadel(["--endpoint", front.url, "--region", "eu-west-1", ...words.split(" ")], env);

  beforeAll(async () => {
    stack = await startLocalStack({ store: "memory", port: 0, snapshotMaxAgeMs: 2000, maxAttempts: 5 });
    front = await gateway(stack.url, admits);
  });

  afterAll(async () => {
    await front?.stop();
    await stack?.stop();
  });

  it("is let through with signed bodies, paths and queries, each request signed", async () => {
    for (const [addr, id] of [
      ["127.0.1.21:2375", "signed-1"],
      ["127.0.1.22:2375", "signed-2"],
    ]) {
      expect((await signed(`host add ${addr} --id ${id} --cpus 2 --memory 1024`)).code).toBe(0);
    }
    const placed = await signed(
      "place --image team/app:1 --cpus 1 --memory 256 --type service --idempotency-key k-1",
    );
    expect(placed.code).toBe(0);
    const hosts = await signed("hosts --limit 1 --json");
    expect(JSON.parse(hosts.stdout).hosts).toHaveLength(2);
    // Through to the API, whose 404 it is: the encoded image's path passed the signature check.
    expect(await signed("profile team/app:1")).toMatchObject({
      code: 1,
      stderr: "error: no container of team/app:1 has been observed running yet\n",
    });
    // Two hosts, a placement, two pages or more, a profile: each let through, none unsigned.
    expect(front.admitted.length).toBeGreaterThanOrEqual(6);
    for (const header of front.admitted) {
      expect(header).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDCITADEL\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /,
      );
    }
  });

  it("takes the credentials from a profile too (the SDK's chain)", async () => {
    const folder = await mkdtemp(join(tmpdir(), "citadel-cli-"));
    const file = join(folder, "credentials");
    await writeFile(
      file,
      `[ops]\naws_access_key_id = ${keys.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${keys.AWS_SECRET_ACCESS_KEY}\naws_session_token = ${keys.AWS_SESSION_TOKEN}\n`,
    );
    const result = await signed("cluster --json", {
      AWS_SHARED_CREDENTIALS_FILE: file,
      AWS_CONFIG_FILE: join(folder, "config"),
      AWS_PROFILE: "ops",
    });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(result.stdout).hosts.total).toBeGreaterThanOrEqual(0);
  });

  it("is refused a wrong secret, or a signature for another region, and says what the gateway said", async () => {
    expect(await signed("hosts", { ...keys, AWS_SECRET_ACCESS_KEY: "not-the-secret" })).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: The request signature we calculated does not match the signature you provided.\n",
    });
    const elsewhere = await citadel(["--endpoint", front.url, "--region", "us-east-1", "hosts"], keys);
    expect(elsewhere).toMatchObject({
      code: 1,
      stderr: "error: not signed for execute-api in eu-west-1 by the known key\n",
    });
    // Unsigned: API Gateway's own words.
    expect(await citadel(["--endpoint", front.url, "hosts"])).toMatchObject({
      code: 1,
      stderr: "error: Missing Authentication Token\n",
    });
  });

  it("sends the JWT of --token or CITADEL_TOKEN as a bearer token", async () => {
    expect((await citadel(["--endpoint", front.url, "--token", admits.token, "cluster"])).code).toBe(0);
    expect(
      (await citadel(["cluster"], { CITADEL_ENDPOINT: front.url, CITADEL_TOKEN: admits.token })).code,
    ).toBe(0);
    expect(await citadel(["--endpoint", front.url, "--token", "forged", "cluster"])).toMatchObject({
      code: 1,
      stderr: "error: Unauthorized\n",
    });
  });
});
