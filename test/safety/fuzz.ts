import { Logger } from "@aws-lambda-powertools/logger";
import fc from "fast-check";
import { createApi } from "../../functions/api/router.js";
import { createScheduler } from "../../functions/scheduler/scheduler.js";
import { InProcessInvoker } from "../../shared/adapters/invoker.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { system } from "../../shared/adapters/system.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
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
  const logger = new Logger({ serviceName: "citadel-fuzz" });
  const report: FuzzReport = { requests: 0, statuses: {}, failures: [] };
  try {
    await fc.assert(
      fc.asyncProperty(hostileRequests("live"), async (request) => {
        // A cluster of its own for each request, so a failure shrinks to the request that caused it.
        const registry = new MemoryRegistry();
        await registry.addHost(host("live", 4, 4096));
        await registry.commit({ placement: placement("live", 100, 100) });
        const before = JSON.stringify(await registry.listHosts());
        const scheduler = createScheduler({
          registry,
          snapshot: new HostSnapshot(registry, 1000),
          maxAttempts: 5,
          ...system,
          servesType: undefined,
          logger,
        });
        const api = createApi({
          registry,
          invoker: new InProcessInvoker(scheduler),
          now: system.now,
          logger,
        });
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
