import type { Host } from "./host.js";

/**
 * Which hosts each Docker engine (by its `/info` ID) is known under: as stored when the round starts,
 * and as reported during the round. One engine is one host: the host registered first keeps it, even
 * when a host registered later reported it earlier in the round (that one is then displaced).
 */
export class EngineOwners {
  private readonly hostsOf = new Map<string, Map<string, Host>>();
  private readonly engineOf = new Map<string, string>();
  /** The hosts that kept their engine so far this round, by engine. */
  private readonly keepers = new Map<string, Host[]>();
  /** Hosts this round judged ready at first, then marked down when an earlier host reported their engine. */
  readonly displaced = new Set<string>();

  constructor(hosts: readonly Host[]) {
    for (const host of hosts) if (host.engine?.id) this.record(host, host.engine.id);
  }

  /**
   * What `host` reporting `engineId` makes of it: `owner`, the first registered of the other hosts with
   * that engine if registered before it; otherwise it keeps the engine and `displaces` the hosts
   * registered after it that kept it earlier in the round.
   */
  claim(host: Host, engineId: string): { owner: string | undefined; displaces: Host[] } {
    this.record(host, engineId);
    let owner: Host | undefined;
    for (const other of this.hostsOf.get(engineId)?.values() ?? []) {
      if (
        other.id !== host.id &&
        registeredBefore(other, host) &&
        (!owner || registeredBefore(other, owner))
      ) {
        owner = other;
      }
    }
    if (owner) return { owner: owner.id, displaces: [] };
    const keepers = (this.keepers.get(engineId) ?? []).filter((other) => other.id !== host.id);
    const displaces = keepers.filter((other) => registeredBefore(host, other));
    this.keepers.set(engineId, [...keepers.filter((other) => !displaces.includes(other)), host]);
    return { owner: undefined, displaces };
  }

  private record(host: Host, engineId: string): void {
    const before = this.engineOf.get(host.id);
    if (before !== undefined) this.hostsOf.get(before)?.delete(host.id);
    this.engineOf.set(host.id, engineId);
    const hosts = this.hostsOf.get(engineId) ?? new Map<string, Host>();
    hosts.set(host.id, host);
    this.hostsOf.set(engineId, hosts);
  }
}

/** Why a host whose engine is another's is down. */
export function duplicateReason(owner: string): string {
  return `its Docker engine is host ${owner}'s, registered first: one engine is one host`;
}

/** Registration order: by creation time, then by id. */
function registeredBefore(a: Host, b: Host): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
}
