import { describe, expect, it } from "vitest";
import { fuzzHttp, fuzzRouter } from "./fuzz.js";

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

  it(`${HTTP_RUNS} hostile HTTP requests: each a 4xx with a JSON error, the cluster unchanged`, async () => {
    const report = await fuzzHttp(HTTP_RUNS, 7);
    expect(report.failures).toEqual([]);
    expect(report.requests).toBe(HTTP_RUNS);
  });
});
