import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";

// `npm start`'s server on loopback: no authorizer stands before it, so it answers only requests
// addressed to itself (no DNS rebinding) and no other site's pages (no cross-site request).
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ store: "memory", port: 0, snapshotMaxAgeMs: 2000, maxAttempts: 5 });
});

afterAll(async () => {
  await stack?.stop();
});

/** GET `path` with these headers, as any client (a browser's page, curl) could send it. */
function get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const sent = request({ host: "127.0.0.1", port, path, headers }, (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    sent.on("error", reject);
    sent.end();
  });
}

describe("the local server", () => {
  it("answers requests addressed to 127.0.0.1 or localhost, from no site or its own", async () => {
    const { port } = new URL(stack.url);
    const asked: Record<string, string>[] = [
      { host: `127.0.0.1:${port}` },
      { host: `localhost:${port}` },
      { host: `localhost:${port}`, origin: `http://localhost:${port}`, "sec-fetch-site": "same-origin" },
    ];
    for (const headers of asked) expect((await get("/healthz", headers)).status).toBe(200);
  });

  it("refuses another host name (DNS rebinding) and another site's page, on the API and the console", async () => {
    const { port } = new URL(stack.url);
    for (const path of ["/healthz", "/v1/hosts", "/"]) {
      const rebound = await get(path, { host: `attacker.example:${port}` });
      expect([rebound.status, JSON.parse(rebound.body).error]).toEqual([403, "forbidden_host"]);
      const crossSite = await get(path, { host: `127.0.0.1:${port}`, origin: "http://attacker.example" });
      expect([crossSite.status, JSON.parse(crossSite.body).error]).toEqual([403, "cross_origin"]);
      const fetched = await get(path, { host: `127.0.0.1:${port}`, "sec-fetch-site": "cross-site" });
      expect(fetched.status).toBe(403);
    }
  });
});
