import { WHOLE } from "../../shared/core/gpus.js";
import { gpuShares, type Host, MAX_PLACEMENTS_PER_HOST } from "../../shared/core/host.js";
import { hostOfPlacement } from "../../shared/core/placement.js";
import { takenKeys } from "../../shared/core/ports.js";

/** One operation as a client saw it end: what it asked, and the answer it got. */
export type Operation =
  | { op: "place"; key?: string; status: number; placementId?: string }
  | { op: "release"; placementId: string; status: number }
  /** An operator's resize, and the host its answer showed (cpus, MiB): what it reserved of what total. */
  | { op: "resize"; hostId: string; status: number; reserved?: number[]; total?: number[] };

/**
 * The invariants every run must keep (a Jepsen-style checker over the history and the final state):
 * - per host: reserved == the sum of its live placements, and 0 <= free <= capacity (a double credit
 *   shows as free above capacity); no host port held by two of its live placements; no GPU device's
 *   shares past one whole;
 * - every acknowledged placement (a 201) is live, exactly once, on its host, until an acknowledged release;
 * - every acknowledged release (a 204) is gone (releasing is idempotent: a second release answers 204 too);
 * - one idempotency key, one placement, however often it was replayed;
 * - every resize that succeeded left its host with no more reserved than its new total;
 * - when `complete` (every outcome known): nothing is live that no client was told of (no leak).
 * Returns the violations, each a sentence; none means the run was safe.
 */
export function checkInvariants(
  history: readonly Operation[],
  hosts: readonly Host[],
  complete: boolean,
): string[] {
  const violations: string[] = [];
  const live = new Map<string, string>();
  for (const host of hosts) {
    const cpu = host.placements.reduce((sum, placement) => sum + placement.amounts.cpu, 0);
    const memory = host.placements.reduce((sum, placement) => sum + placement.amounts.memory, 0);
    const reservedCpu = (host.total.cpu ?? 0) - host.freeCpu;
    const reservedMemory = (host.total.memory ?? 0) - host.freeMemory;
    if (reservedCpu !== cpu || reservedMemory !== memory) {
      violations.push(
        `host ${host.id}: reserved ${reservedCpu}m/${reservedMemory}MiB but its placements sum to ${cpu}m/${memory}MiB`,
      );
    }
    if (host.freeCpu < 0 || host.freeMemory < 0) {
      violations.push(`host ${host.id}: over-committed (free ${host.freeCpu}m/${host.freeMemory}MiB)`);
    }
    if (host.freeCpu > (host.total.cpu ?? 0) || host.freeMemory > (host.total.memory ?? 0)) {
      violations.push(
        `host ${host.id}: credited twice (free ${host.freeCpu}m/${host.freeMemory}MiB, total ${host.total.cpu}m/${host.total.memory}MiB)`,
      );
    }
    const ports = host.placements.flatMap((placement) => takenKeys(placement.ports ?? []));
    for (const port of new Set(ports)) {
      const holders = ports.filter((held) => held === port).length;
      if (holders > 1) violations.push(`host ${host.id}: port ${port} held by ${holders} placements`);
    }
    for (const [device, share] of gpuShares(host).entries()) {
      if (share > WHOLE)
        violations.push(`host ${host.id}: GPU ${device} holds ${share / WHOLE} of one device`);
    }
    if (host.placements.length > MAX_PLACEMENTS_PER_HOST) {
      violations.push(`host ${host.id}: ${host.placements.length} placements, over the limit`);
    }
    for (const placement of host.placements) {
      if (live.has(placement.id)) violations.push(`placement ${placement.id} is live twice`);
      if (hostOfPlacement(placement.id) !== host.id)
        violations.push(`placement ${placement.id} is on host ${host.id}`);
      live.set(placement.id, host.id);
    }
  }

  const acknowledged = new Set<string>();
  const released = new Set<string>();
  const byKey = new Map<string, string>();
  for (const entry of history) {
    if (entry.op === "place" && entry.status === 201 && entry.placementId) {
      acknowledged.add(entry.placementId);
      if (entry.key) {
        const first = byKey.get(entry.key);
        if (first && first !== entry.placementId) {
          violations.push(
            `idempotency key ${entry.key} answered two placements: ${first} and ${entry.placementId}`,
          );
        }
        byKey.set(entry.key, first ?? entry.placementId);
      }
    }
    if (entry.op === "release" && entry.status === 204) released.add(entry.placementId);
    if (
      entry.op === "resize" &&
      entry.reserved?.some((reserved, index) => reserved > (entry.total?.[index] ?? 0))
    ) {
      violations.push(
        `resizing host ${entry.hostId} over-committed it: reserved ${entry.reserved} of ${entry.total} (cpus, MiB)`,
      );
    }
  }
  for (const id of acknowledged) {
    if (!released.has(id) && !live.has(id)) violations.push(`acknowledged placement ${id} is lost`);
  }
  for (const id of released) {
    if (live.has(id)) violations.push(`released placement ${id} is still live`);
  }
  if (complete) {
    for (const id of live.keys()) {
      if (!acknowledged.has(id))
        violations.push(`placement ${id} is live but no client was told of it (a leak)`);
    }
  }
  return violations;
}
