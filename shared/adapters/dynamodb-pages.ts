import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Host } from "../core/host.js";
import {
  cutPage,
  type HostPage,
  idOfPlaced,
  type PlacedOnHost,
  type PlacementPage,
  placementPosition,
  placementsInPageOrder,
} from "../core/paging.js";
import { guarded } from "./dynamodb-errors.js";
import { type HostItem, toHost } from "./dynamodb-items.js";

/**
 * One Scan call over the hosts table: at most `limit` hosts after the host id `start` (the Scan's
 * ExclusiveStartKey), and the id of the last host read when the Scan can go on (its LastEvaluatedKey).
 */
export type ScanHosts = (limit: number, start?: string) => Promise<{ hosts: Host[]; last?: string }>;

/** ScanHosts over the hosts table: consistent reads, as every view of the hosts. */
export function hostScanner(documents: DynamoDBDocumentClient, table: string): ScanHosts {
  return async (limit, start) => {
    const page = await guarded(
      documents.send(
        new ScanCommand({
          TableName: table,
          ConsistentRead: true,
          Limit: limit,
          ...(start !== undefined && { ExclusiveStartKey: { id: start } }),
        }),
      ),
    );
    const last = page.LastEvaluatedKey?.id;
    return {
      hosts: (page.Items ?? []).map((item) => toHost(item as HostItem)),
      ...(typeof last === "string" && { last }),
    };
  };
}

/**
 * Scan calls one page reads at most. Each reads at most 1 MB, and a host item holds its placements
 * (up to about 300 KB when full), so a page of 1,000 full hosts would otherwise read 300 MB into the
 * function: a page stops after about 4 MB, shorter than asked, with a `next` to go on.
 */
export const PAGE_SCANS = 4;

/**
 * A page of hosts in the Scan's order (that of the hash of their ids). DynamoDB's Limit counts items
 * read, and one more host than the page is read so that the last page has no `next`.
 */
export async function scanHostPage(scan: ScanHosts, limit: number, after?: string): Promise<HostPage> {
  const hosts: Host[] = [];
  let start = after;
  for (let call = 0; call < PAGE_SCANS && hosts.length <= limit; call++) {
    const page = await scan(limit + 1 - hosts.length, start);
    hosts.push(...page.hosts);
    if (page.last === undefined) return hostPage(cutPage(hosts, limit, (host) => host.id));
    start = page.last;
  }
  // Read up to the page and one host beyond it, or up to the read bound: every host read is in
  // `hosts`, and `start` is the last of them.
  return hosts.length > limit
    ? hostPage(cutPage(hosts, limit, (host) => host.id))
    : { hosts, ...(start !== undefined && { next: start }) };
}

/**
 * A page of placements, host by host in the Scan's order, each host's by id. A page may stop inside a
 * host (`next` is then a placement id, whose host is read again to resume) or span many; hosts hold 0
 * to 128 placements, so each call reads as many hosts as placements are still wanted.
 */
export async function scanPlacementPage(
  scan: ScanHosts,
  getHost: (id: string) => Promise<Host | undefined>,
  limit: number,
  after?: string,
): Promise<PlacementPage> {
  const found: PlacedOnHost[] = [];
  let start: string | undefined;
  if (after !== undefined) {
    const position = placementPosition(after);
    start = position.hostId;
    const host = position.placementId === undefined ? undefined : await getHost(position.hostId);
    if (host) found.push(...placementsInPageOrder(host, position.placementId));
  }
  for (let call = 0; call < PAGE_SCANS && found.length <= limit; call++) {
    const page = await scan(limit + 1 - found.length, start);
    for (const host of page.hosts) found.push(...placementsInPageOrder(host));
    if (page.last === undefined) return placementPage(cutPage(found, limit, idOfPlaced));
    start = page.last;
  }
  // As for hosts; past the read bound, every placement of the hosts read is in `found`, so the next
  // page starts after the last host read.
  return found.length > limit
    ? placementPage(cutPage(found, limit, idOfPlaced))
    : { placements: found, ...(start !== undefined && { next: start }) };
}

function hostPage(page: { items: Host[]; next?: string }): HostPage {
  return { hosts: page.items, ...(page.next !== undefined && { next: page.next }) };
}

function placementPage(page: { items: PlacedOnHost[]; next?: string }): PlacementPage {
  return { placements: page.items, ...(page.next !== undefined && { next: page.next }) };
}
