import type { Host } from "../host.js";
import type { ContainerRequest } from "../request.js";
import { allocationAfter } from "./allocation.js";

/** Binpack (batch): the most allocated host that still fits, so that whole hosts stay free. */
export function binpackScore(host: Host, request: ContainerRequest): number {
  return allocationAfter(host, request);
}
