import type { Host } from "./host.js";
import type { ReplicaCounts } from "./replica-index.js";
import type { ContainerRequest } from "./request.js";
import { binpackScore } from "./strategies/binpack.js";
import { spreadScore } from "./strategies/spread.js";

/**
 * Scores a feasible host for a request: higher is better. `replicas` holds the hosts that run the
 * request's image and how many of it (absent: none).
 */
export type Scorer = (host: Host, request: ContainerRequest, replicas: ReplicaCounts) => number;

/** A scheduler type: the value of a request's `type`, and how its hosts are ranked. */
export interface SchedulerType {
  type: string;
  strategy: string;
  description: string;
  score: Scorer;
}

/**
 * The one list of scheduler types. The router, the local server and the CDK stack all read it:
 * adding a type is adding an entry here (and it gets its own Lambda in AWS).
 */
export const SCHEDULER_TYPES: readonly SchedulerType[] = [
  {
    type: "service",
    strategy: "spread",
    description:
      "Long-running services: replicas of one image on distinct hosts, then the least allocated host.",
    score: spreadScore,
  },
  {
    type: "batch",
    strategy: "binpack",
    description: "Batch jobs: the most allocated host that fits, keeping whole hosts free.",
    score: binpackScore,
  },
];

/** The scheduler type of that name, if registered. */
export function schedulerType(type: string): SchedulerType | undefined {
  return SCHEDULER_TYPES.find((scheduler) => scheduler.type === type);
}
