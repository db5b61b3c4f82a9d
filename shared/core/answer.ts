import type { Host } from "./host.js";
import { describeReasons } from "./pipeline.js";
import { ownedBy, type Placement, placementView } from "./placement.js";
import { totalsView } from "./resources.js";

/**
 * The seed's answer: the container as sent, the host it goes to, and the placement record. Shown to a
 * `viewer` who is not its owner, it leaves out the container: a request may hold a command line and
 * labels that are its caller's own.
 */
export function placementAnswer(host: Host, placement: Placement, viewer?: string) {
  return {
    ...((viewer === undefined || ownedBy(placement, viewer)) && { container: placement.container }),
    resource: {
      id: host.id,
      addr: host.addr,
      ...totalsView(host.total),
    },
    placement: placementView(placement),
  };
}

/** The filter under which hosts whose commit the store refused to write are counted. */
export const REFUSED_BY_REGISTRY = "refused by the registry";

/**
 * No host can take the request: how many hosts failed on which filter; `refused` names the hosts whose
 * commit the registry refused to write in this request, and why (counted under REFUSED_BY_REGISTRY).
 */
export function unschedulableAnswer(
  hosts: number,
  reasons: Record<string, number>,
  refused: Record<string, string> = {},
) {
  const count = Object.keys(refused).length;
  if (count === 0)
    return { error: "unschedulable", message: describeReasons(hosts, reasons), hosts, reasons };
  const all = { ...reasons, [REFUSED_BY_REGISTRY]: count };
  return {
    error: "unschedulable",
    message: describeReasons(hosts + count, all),
    hosts: hosts + count,
    reasons: all,
    refused,
  };
}

/** Every commit attempt failed under contention. */
export function contentionAnswer(attempts: number) {
  return {
    error: "contention",
    message: `no commit succeeded in ${attempts} attempts under contention; retry`,
  };
}
