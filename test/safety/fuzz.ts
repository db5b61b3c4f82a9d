import fc from "fast-check";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { inProcessApi } from "../../shared/local/in-process.js";
import { startLocalStack } from "../../shared/local/stack.js";
import { apiEvent } from "../support/api-event.js";
import { host, placement } from "../support/fixtures.js";
import { hostileRequests, wrongAnswer } from "./hostile.js";

export interface FuzzReport {
  requests: number;
  statuses: Record<string, number>;
  failures: string[];
}

/**
 * Sends `runs` hostile requests to the router handler (API Gateway events, as in AWS) over a cluster
 * with a live host; each must get a 4xx with a JSON error and leave the cluster byte-for-byte as it was.
 */
export async function fuzzRouter(runs: number, seed: number): Promise<FuzzReport> {
  const report: FuzzReport = { requests: 0, statuses: {}, failures: [] };
  try {
    await fc.assert(
      fc.asyncProperty(hostileRequests("live"), async (request) => {
        // A cluster of its own for each request, so a failure shrinks to the request that caused it.
        const registry = new MemoryRegistry();
        await registry.addHost(host("live", 4, 4096));
        await registry.commit({ placement: placement("live", 100, 100) });
        const before = JSON.stringify(await registry.listHosts());
        const { api } = inProcessApi(registry, { snapshotMaxAgeMs: 1000, maxAttempts: 5 });
        const url = new URL(request.path, "http://localhost");
        const query = Object.fromEntries(url.searchParams);
        const response = await api(
          apiEvent(request.method, url.pathname, {
            headers: request.headers,
            ...(request.body !== undefined && { body: request.body }),
            ...(Object.keys(query).length > 0 && { query }),
          }),
        );
        const status = response.statusCode ?? 0;
        report.requests++;
        report.statuses[status] = (report.statuses[status] ?? 0) + 1;
        const problem =
          wrongAnswer(status, response.body) ??
          (JSON.stringify(await registry.listHosts()) === before ? undefined : "the cluster changed");
        if (problem) throw new Error(`${request.method} ${request.path}: ${problem}`);
      }),
      { numRuns: runs, seed },
    );
  } catch (error) {
    report.failures.push((error as Error).message);
  }
  return report;
}

/**
 * Sends `runs` hostile requests over real HTTP to the local server; each must get a 4xx with a JSON
 * error, and the cluster must be as it was at the end. `onRequest` sees the count, for a progress bar.
 */
export async function fuzzHttp(runs: number, seed: number, onRequest: (done: number) => void = () => {}) {
  const stack = await startLocalStack({ store: "memory", port: 0, snapshotMaxAgeMs: 1000, maxAttempts: 5 });
  const report = { requests: 0, failures: [] as string[] };
  try {
    await stack.registry.addHost(host("live", 4, 4096));
    await stack.registry.commit({ placement: placement("live", 100, 100) });
    const before = JSON.stringify(await stack.registry.listHosts());
    await fc.assert(
      fc.asyncProperty(hostileRequests("live"), async (request) => {
        const response = await fetch(`${stack.url}${request.path}`, {
          method: request.method,
          headers: request.headers,
          ...(request.body !== undefined && { body: request.body }),
        });
        onRequest(++report.requests);
        const problem = wrongAnswer(response.status, await response.text());
        if (problem) throw new Error(`${request.method} ${request.path}: ${problem}`);
      }),
      { numRuns: runs, seed },
    );
    if (JSON.stringify(await stack.registry.listHosts()) !== before)
      report.failures.push("the cluster changed");
  } catch (error) {
    report.failures.push((error as Error).message);
  } finally {
    await stack.stop();
  }
  return report;
}
