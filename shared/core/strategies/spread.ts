import type { Host } from "../host.js";
import type { ReplicaCounts } from "../replica-index.js";
import type { ContainerRequest } from "../request.js";
import { allocationAfter } from "./allocation.js";

/**
 * Spread (services): first the host with the fewest replicas of the same image, then the least
 * allocated one. Replicas count whole units and allocation stays below 1, so the sum orders hosts
 * by replicas first.
 */
export function spreadScore(host: Host, request: ContainerRequest, replicas: ReplicaCounts): number {
  return 1 - allocationAfter(host, request) - (replicas.get(host) ?? 0);
}
