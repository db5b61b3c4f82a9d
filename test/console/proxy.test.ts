import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authorization } from "../../cli/auth.js";
import { Client } from "../../cli/client.js";
import { type ConsoleServer, serveConsole } from "../../cli/proxy.js";
import { buildConsole } from "../../shared/local/console-files.js";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { citadel } from "../cli/citadel.js";
import { type Admits, credentialEnv, type Gateway, gateway } from "../cli/gateway.js";
import { launchChromium, openPage, screenshot } from "./browser.js";
import { type ConsoleCommand, startConsoleCommand } from "./console-command.js";
import { api } from "./stack.js";

// `citadel console`, the kubectl-proxy pattern: the console served on 127.0.0.1 by the command line,
// its API calls forwarded with the command line's authorization. Against the local stack on the
// memory store (which serves no console of its own here), and behind a gateway that checks SigV4.
let stack: LocalStack;
let browser: Browser;
let page: Page;
let errors: string[];
const started: ConsoleCommand[] = [];

/** `citadel console` on a free port, stopped after the file's tests. */
async function consoleCommand(args: string[], env: Record<string, string> = {}): Promise<string> {
  const command = await startConsoleCommand([...args, "console", "--port", "0"], env);
  started.push(command);
  return command.url;
}

async function shows(selector: string, text: string | RegExp): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout: 15_000 });
}

async function placeThroughForm(image: string, cpus: string): Promise<void> {
  await page.locator("#type option", { hasText: "service" }).waitFor({ state: "attached" });
  await page.fill("#image", image);
  await page.fill("#cpus", cpus);
  await page.fill("#memory", "64");
  await page.click('form.request button[type="submit"]');
}

beforeAll(async () => {
  stack = await startLocalStack({ store: "memory", port: 0, snapshotMaxAgeMs: 2000, maxAttempts: 5 });
  for (const [id, addr] of [
    ["proxied-1", "127.0.1.31:2375"],
    ["proxied-2", "127.0.1.32:2375"],
  ]) {
    const added = await api(stack, "POST", "/v1/hosts", { addr, id, total_cpus: 2, total_memory: 2048 });
    expect(added.status).toBe(201);
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await Promise.all(started.map((command) => command.stop()));
  await browser?.close();
  await stack?.stop();
});

beforeEach(async () => {
  ({ page, errors } = await openPage(browser));
});

afterEach(async () => {
  await page.context().close();
  expect(errors).toEqual([]);
});

describe("citadel console against the local stack", () => {
  it("serves the console on 127.0.0.1, which lists, places and releases through it", async () => {
    const url = await consoleCommand(["--endpoint", stack.url]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The stack itself serves no console here: the page is the command's.
    expect((await fetch(`${stack.url}/`)).status).toBe(404);
    await page.goto(`${url}/#/`);
    await shows('[data-host="proxied-1"]', "127.0.1.31:2375");
    await shows('[data-host="proxied-2"]', "127.0.1.32:2375");
    await screenshot(page, "proxy-cluster");
    await page.goto(`${url}/#/place`);
    await placeThroughForm("team/proxied:1", "0.5");
    await shows("#place-result h3", /^Placed on proxied-[12]$/);
    const id = (await page.textContent("#place-result code")) ?? "";
    expect(await api(stack, "GET", `/v1/placements/${id}`)).toMatchObject({ status: 200 });
    await placeThroughForm("team/proxied:1", "8");
    await shows("#place-result .problem", "0/2 hosts are available: 2 insufficient cpu.");
    await page.goto(`${url}/#/placements`);
    await page.click(`button[aria-label="Release ${id}"]`);
    await shows("#announcer", `Released placement ${id}.`);
    expect(await api(stack, "GET", `/v1/placements/${id}`)).toMatchObject({ status: 404 });
  });
});

describe("citadel console against a gateway that checks signatures as API Gateway does", () => {
  const admits: Admits = {
    credentials: {
      accessKeyId: "AKIDCONSOLE",
      secretAccessKey: "console/secret/key",
      sessionToken: "console-session",
    },
    region: "eu-west-1",
    token: "header.payload.signature",
  };
  const keys = credentialEnv(admits);
  let front: Gateway;

  beforeAll(async () => {
    front = await gateway(stack.url, admits);
  });

  afterAll(async () => {
    await front?.stop();
  });

  it("forwards every call of the page signed with SigV4 by the SDK's credential chain", async () => {
    const url = await consoleCommand(["--endpoint", front.url, "--region", "eu-west-1"], keys);
    await page.goto(`${url}/#/`);
    await shows('[data-host="proxied-1"]', "ready");
    await page.goto(`${url}/#/place`);
    await placeThroughForm("team/signed:1", "0.25");
    await shows("#place-result h3", /^Placed on proxied-[12]$/);
    const id = (await page.textContent("#place-result code")) ?? "";
    // The signed body reached the API as the page sent it.
    expect(await api(stack, "GET", `/v1/placements/${id}`)).toMatchObject({
      body: { container: { image: "team/signed:1", cpus: "0.25", memory: 64, type: "service" } },
    });
    // The cluster, the hosts, the schedulers and the placement: each let through, none unsigned.
    expect(front.admitted.length).toBeGreaterThanOrEqual(4);
    for (const header of front.admitted) {
      expect(header).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDCONSOLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /,
      );
    }
  });

  it("forwards calls with the bearer token of --token", async () => {
    const url = await consoleCommand(["--endpoint", front.url, "--token", admits.token]);
    const cluster = await fetch(`${url}/v1/cluster`);
    expect(cluster.status).toBe(200);
    expect(await cluster.json()).toMatchObject({ hosts: { total: 2 } });
    expect(front.admitted.at(-1)).toBe(`Bearer ${admits.token}`);
  });

  it("shows what the gateway said when it refuses the signature", async () => {
    const url = await consoleCommand(["--endpoint", front.url, "--region", "eu-west-1"], {
      ...keys,
      AWS_SECRET_ACCESS_KEY: "not-the-secret",
    });
    await page.goto(`${url}/#/`);
    await shows(
      "#problem",
      "Could not read the API: The request signature we calculated does not match the signature you provided.",
    );
  });
});

describe("the console's server", () => {
  let server: ConsoleServer;

  beforeAll(async () => {
    const endpoint = new URL(stack.url);
    server = await serveConsole(
      new Client(endpoint, authorization(endpoint, { endpoint: stack.url })),
      await buildConsole(),
      0,
    );
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** A request to the server with the headers given (Host included), as another page or a script could send it. */
  function send(method: string, path: string, headers: Record<string, string>, body?: string) {
    return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
      (resolve, reject) => {
        const request = httpRequest(`${server.url}${path}`, { method, headers }, (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString("utf8");
          });
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, body: text, headers: response.headers }),
          );
        });
        request.on("error", reject);
        request.end(body);
      },
    );
  }

  it("answers at 127.0.0.1 or localhost only, so that a rebound DNS name gets nothing", async () => {
    const port = new URL(server.url).port;
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
    expect((await send("GET", "/", { host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await send("GET", "/v1/cluster", { host: `localhost:${port}` })).status).toBe(200);
    for (const host of [`attacker.example:${port}`, "127.0.0.1", `127.0.0.1:${Number(port) + 1}`]) {
      expect(await send("GET", "/v1/cluster", { host })).toMatchObject({
        status: 403,
        body: JSON.stringify({
          error: "forbidden_host",
          message: "the console answers at 127.0.0.1 or localhost only",
        }),
      });
    }
  });

  it("forwards its own page's calls only, and /v1/ only", async () => {
    const host = new URL(server.url).host;
    const before = (await api(stack, "GET", "/v1/cluster")).body;
    const body = JSON.stringify({ image: "evil/miner:1", cpus: 1, memory: 64, type: "batch" });
    const foreigners: Record<string, string>[] = [
      { origin: "https://attacker.example" },
      { "sec-fetch-site": "cross-site" },
    ];
    for (const foreign of foreigners) {
      const refused = await send(
        "POST",
        "/v1/placements",
        { host, "content-type": "application/json", ...foreign },
        body,
      );
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ error: "cross_origin" });
    }
    expect((await api(stack, "GET", "/v1/cluster")).body).toEqual(before);
    expect(await send("GET", "/healthz", { host })).toMatchObject({ status: 404 });
    expect(await send("PUT", "/v1/hosts", { host, origin: `http://${host}` })).toMatchObject({ status: 405 });
  });

  it("forwards the headers the API reads and answers", async () => {
    const host = new URL(server.url).host;
    const headers = {
      host,
      origin: `http://${host}`,
      "sec-fetch-site": "same-origin",
      "content-type": "application/json",
      "idempotency-key": "console-once",
      "x-correlation-id": "console-test-1",
    };
    const body = JSON.stringify({ image: "team/once:1", cpus: "0.1", memory: 16, type: "service" });
    const first = await send("POST", "/v1/placements", headers, body);
    const again = await send("POST", "/v1/placements", headers, body);
    expect(first).toMatchObject({ status: 201, headers: { "x-correlation-id": "console-test-1" } });
    expect(again).toMatchObject({ status: 201, headers: { "idempotent-replayed": "true" } });
    expect(JSON.parse(again.body)).toEqual(JSON.parse(first.body));
  });

  it("forwards nothing else of the browser's: no cookie, no authorization of its own", async () => {
    const seen: Record<string, unknown>[] = [];
    const recorder = createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(200, { "content-type": "application/json", "set-cookie": "tracked=1" });
      response.end("{}");
    });
    recorder.listen(0, "127.0.0.1");
    await once(recorder, "listening");
    const endpoint = new URL(`http://127.0.0.1:${(recorder.address() as { port: number }).port}`);
    const proxy = await serveConsole(
      new Client(endpoint, async () => ({ authorization: "Bearer the-cli's" })),
      await buildConsole(),
      0,
    );
    try {
      const host = new URL(proxy.url).host;
      const answer = await fetch(`${proxy.url}/v1/cluster?limit=5`, {
        headers: { cookie: "session=secret", authorization: "Bearer the-page's", "x-other": "1", host },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("set-cookie")).toBeNull();
      expect(seen).toHaveLength(1);
      expect(seen[0]).not.toHaveProperty("cookie");
      expect(seen[0]).not.toHaveProperty("x-other");
      expect(seen[0]).toMatchObject({ authorization: "Bearer the-cli's", host: endpoint.host });
    } finally {
      await proxy.stop();
      recorder.close();
    }
  });

  it("takes a port from 0 to 65535 (a usage error otherwise)", async () => {
    expect(await citadel(["console", "--port", "70000"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("give a port from 0 to 65535"),
    });
  });
});
