import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Host } from "../../core/host.js";
import {
  cutPage,
  type HostPage,
  idOfPlaced,
  type PlacedOnHost,
  type PlacementPage,
  placementPosition,
  placementsInPageOrder,
} from "../../core/paging.js";
import { guarded } from "./errors.js";
import { type HostItem, toHost } from "./items.js";

/**
 * One Scan call over the hosts table: at most `limit` hosts after the host id `start` (the Scan's
 * ExclusiveStartKey), and the id of the last host read when the Scan can go on (its LastEvaluatedKey).
 */
export type ScanHosts = (
  limit: number,
  start?: string,
) => Promise<{ hosts: Host[]; last: string | undefined }>;

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
    return {
      hosts: (page.Items ?? []).map((item) => toHost(item as HostItem)),
      // The hosts table's key: a host id, a string.
      last: page.LastEvaluatedKey?.id,
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
  for (let call = 1; ; call++) {
    const page = await scan(limit + 1 - hosts.length, start);
    hosts.push(...page.hosts);
    if (page.last === undefined || hosts.length > limit) {
      const { items, next } = cutPage(hosts, limit, (host) => host.id);
      return { hosts: items, next };
    }
    // The read bound: every host read is in the page, and the Scan goes on after the last of them.
    if (call === PAGE_SCANS) return { hosts, next: page.last };
    start = page.last;
  }
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
  const cut = (): PlacementPage => {
    const { items, next } = cutPage(found, limit, idOfPlaced);
    return { placements: items, next };
  };
  // The rest of the host the page resumes in may fill it.
  if (found.length > limit) return cut();
  for (let call = 1; ; call++) {
    const page = await scan(limit + 1 - found.length, start);
    for (const host of page.hosts) found.push(...placementsInPageOrder(host));
    if (page.last === undefined || found.length > limit) return cut();
    // As for hosts: every placement of the hosts read is in the page, which goes on after the last host.
    if (call === PAGE_SCANS) return { placements: found, next: page.last };
    start = page.last;
  }
}
