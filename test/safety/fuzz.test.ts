import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../shared/local/stack.js";
import { host, placement } from "../support/fixtures.js";
import { fuzzRouter } from "./fuzz.js";
import { hostileRequests, wrongAnswer } from "./hostile.js";

// Reduced here; `npm run stress` sends 10,000 through the router and 10,000 over HTTP.
const ROUTER_RUNS = 1500;
const HTTP_RUNS = 300;

describe("hostile input", () => {
  it(`${ROUTER_RUNS} hostile requests to the router: each a 4xx with a JSON error, the cluster unchanged`, async () => {
    const report = await fuzzRouter(ROUTER_RUNS, 42);
    expect(report.failures).toEqual([]);
    expect(report.requests).toBe(ROUTER_RUNS);
    // Every kind of refusal was reached.
    expect(Object.keys(report.statuses).sort()).toEqual(["400", "404", "405", "409", "413", "415"]);
  });

  describe("over HTTP", () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startLocalStack({ store: "memory", port: 0, snapshotMaxAgeMs: 1000, maxAttempts: 5 });
      await stack.registry.addHost(host("live", 4, 4096));
      await stack.registry.commit({ placement: placement("live", 100, 100) });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it(`${HTTP_RUNS} hostile HTTP requests: each a 4xx with a JSON error, the cluster unchanged`, async () => {
      const before = JSON.stringify(await stack.registry.listHosts());
      await fc.assert(
        fc.asyncProperty(hostileRequests("live"), async (request) => {
          const response = await fetch(`${stack.url}${request.path}`, {
            method: request.method,
            headers: request.headers,
            ...(request.body !== undefined && { body: request.body }),
          });
          const problem = wrongAnswer(response.status, await response.text());
          if (problem) throw new Error(`${request.method} ${request.path}: ${problem}`);
        }),
        { numRuns: HTTP_RUNS, seed: 7 },
      );
      expect(JSON.stringify(await stack.registry.listHosts())).toBe(before);
    });
  });
});
