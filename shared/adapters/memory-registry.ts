import { grantFits } from "../core/gpus.js";
import { gpuShares, type Host, MAX_PLACEMENTS_PER_HOST, takenPorts, withoutEvents } from "../core/host.js";
import { changedHost, changesFor, type HostChangesOf } from "../core/host-changes.js";
import {
  byCodeUnits,
  cutPage,
  type HostPage,
  idOfPlaced,
  type PlacedOnHost,
  type PlacementPage,
  placementPosition,
  placementsInPageOrder,
} from "../core/paging.js";
import { hostOfPlacement, type Placement, summaryOf } from "../core/placement.js";
import { takenKeys } from "../core/ports.js";
import {
  AddrTakenError,
  CapacityBelowReservedError,
  type CommitOutcome,
  type CommitRequest,
  HostBusyError,
  HostExistsError,
  HostNotFoundError,
  holdsKey,
  type IdempotencyRecord,
  type Registry,
} from "../core/registry.js";
import { added, freeCounters, freeOf, shortage } from "../core/resources.js";

/**
 * The registry in one process's memory, with the DynamoDB registry's semantics: every method checks
 * and changes state in one synchronous step (JavaScript runs it without interleaving), and callers get
 * copies, never the stored objects.
 */
export class MemoryRegistry implements Registry {
  private readonly hosts = new Map<string, Host>();
  /** Live placements, whole, by id (their hosts hold their summaries). */
  private readonly placements = new Map<string, Placement>();
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  /** Address → the id of the host that has it. */
  private readonly addresses = new Map<string, string>();

  async addHost(host: Host): Promise<void> {
    if (this.hosts.has(host.id)) throw new HostExistsError(host.id);
    const holder = this.addresses.get(host.addr);
    if (holder !== undefined) throw new AddrTakenError(host.addr, holder);
    this.hosts.set(host.id, structuredClone(host));
    this.addresses.set(host.addr, host.id);
  }

  async getHost(id: string): Promise<Host | undefined> {
    const host = this.hosts.get(id);
    return host && structuredClone(host);
  }

  async listHosts(): Promise<Host[]> {
    return structuredClone([...this.hosts.values()].map(withoutEvents));
  }

  /** Slices by a hash of the host's id, as DynamoDB's Scan segments are by a hash of the key. */
  async sliceHosts(slice: number, slices: number): Promise<Host[]> {
    const hosts = [...this.hosts.values()].filter((host) => idHash(host.id) % slices === slice);
    return structuredClone(hosts.map(withoutEvents));
  }

  /** Hosts in id order. */
  async pageHosts(limit: number, after?: string): Promise<HostPage> {
    const hosts = this.sortedHosts().filter((host) => after === undefined || host.id > after);
    const page = cutPage(hosts.slice(0, limit + 1), limit, (host) => host.id);
    return structuredClone({ hosts: page.items.map(withoutEvents), next: page.next });
  }

  /** Hosts in id order, each host's placements by id. */
  async pagePlacements(limit: number, after?: string): Promise<PlacementPage> {
    const position = after === undefined ? undefined : placementPosition(after);
    const found: PlacedOnHost[] = [];
    for (const host of this.sortedHosts()) {
      if (found.length > limit) break;
      if (position === undefined || host.id > position.hostId) found.push(...this.placed(host));
      else if (host.id === position.hostId && position.placementId !== undefined) {
        found.push(...this.placed(host, position.placementId));
      }
    }
    const page = cutPage(found, limit, idOfPlaced);
    return structuredClone({ placements: page.items, next: page.next });
  }

  async pageHostPlacements(
    hostId: string,
    limit: number,
    after?: string,
  ): Promise<PlacementPage | undefined> {
    const host = this.hosts.get(hostId);
    if (!host) return undefined;
    const page = cutPage(this.placed(host, after), limit, idOfPlaced);
    return structuredClone({ placements: page.items, next: page.next });
  }

  async getPlacement(id: string): Promise<PlacedOnHost | undefined> {
    const placement = this.placements.get(id);
    const host = this.hosts.get(placement?.hostId ?? "");
    return placement && host && structuredClone({ host: withoutEvents(host), placement });
  }

  /** A host's placements, whole, in page order. */
  private placed(host: Host, after?: string): PlacedOnHost[] {
    return placementsInPageOrder(host, after).flatMap((summary) => {
      const placement = this.placements.get(summary.id);
      return placement ? [{ host: withoutEvents(host), placement }] : [];
    });
  }

  private sortedHosts(): Host[] {
    return [...this.hosts.values()].sort((a, b) => byCodeUnits(a.id, b.id));
  }

  async changeHost(id: string, changes: HostChangesOf, now: Date): Promise<Host> {
    const host = this.hosts.get(id);
    if (!host) throw new HostNotFoundError(id);
    const changed = changedHost(host, changesFor(structuredClone(host), changes), now);
    if (!changed) throw new CapacityBelowReservedError(id);
    this.hosts.set(id, structuredClone(changed));
    return structuredClone(changed);
  }

  async removeHost(id: string, force: boolean): Promise<boolean> {
    const host = this.hosts.get(id);
    if (!host) return false;
    if (!force && host.placements.length > 0) throw new HostBusyError(id, host.placements.length);
    for (const placement of host.placements) this.placements.delete(placement.id);
    this.addresses.delete(host.addr);
    return this.hosts.delete(id);
  }

  async commit({ placement, idempotency }: CommitRequest): Promise<CommitOutcome> {
    const host = this.hosts.get(placement.hostId);
    const holder = idempotency && this.holder(idempotency);
    if (holder) return { kind: "duplicate", record: holder };
    if (!host) return { kind: "conflict", host: undefined };
    if (host.placements.some((live) => live.id === placement.id)) {
      return { kind: "committed", host: structuredClone(withoutEvents(host)) };
    }
    const taken = takenPorts(host);
    const fits =
      host.status === "ready" &&
      shortage(host, placement.amounts) === undefined &&
      !takenKeys(placement.ports ?? []).some((key) => taken.has(key)) &&
      grantFits(placement.gpus, host.gpus, gpuShares(host)) &&
      host.placements.length < MAX_PLACEMENTS_PER_HOST;
    if (!fits) return { kind: "conflict", host: structuredClone(withoutEvents(host)) };
    Object.assign(host, freeCounters(added(freeOf(host), placement.amounts, -1)));
    host.placements.push(summaryOf(placement));
    this.placements.set(placement.id, structuredClone(placement));
    if (idempotency) {
      this.idempotency.set(idempotency.key, structuredClone(idempotency));
      return { kind: "committed" };
    }
    return { kind: "committed", host: structuredClone(withoutEvents(host)) };
  }

  async release(placementId: string): Promise<Placement | undefined> {
    const host = this.hosts.get(hostOfPlacement(placementId) ?? "");
    const index = host?.placements.findIndex((live) => live.id === placementId) ?? -1;
    if (!host || index < 0) return undefined;
    const [released] = host.placements.splice(index, 1);
    const placement = this.placements.get(placementId);
    if (!released || !placement) return undefined;
    this.placements.delete(placementId);
    Object.assign(host, freeCounters(added(freeOf(host), released.amounts)));
    return placement;
  }

  /** A commit here is one step: it leaves nothing behind. */
  async sweep(): Promise<number> {
    return 0;
  }

  async recordRefusal(record: IdempotencyRecord): Promise<IdempotencyRecord | undefined> {
    const holder = this.holder(record);
    if (!holder) this.idempotency.set(record.key, structuredClone(record));
    return holder;
  }

  /** A copy of the record that keeps `record` from taking its key, if any. */
  private holder(record: IdempotencyRecord): IdempotencyRecord | undefined {
    const taken = this.idempotency.get(record.key);
    return taken && holdsKey(taken, record.deliveryId, record.createdAt) ? structuredClone(taken) : undefined;
  }

  async findIdempotencyRecord(key: string, nowSeconds: number): Promise<IdempotencyRecord | undefined> {
    const record = this.idempotency.get(key);
    return record && record.expiresAt >= nowSeconds ? structuredClone(record) : undefined;
  }
}

/** FNV-1a of a host id: which slice it is in. */
function idHash(id: string): number {
  let hash = 0x811c9dc5;
  for (let at = 0; at < id.length; at++) hash = Math.imul(hash ^ id.charCodeAt(at), 0x01000193) >>> 0;
  return hash;
}
