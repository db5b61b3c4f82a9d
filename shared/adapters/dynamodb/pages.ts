import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { type Host, withoutEvents } from "../../core/host.js";
import {
  cutPage,
  type HostPage,
  idOfPlaced,
  placementPosition,
  placementsInPageOrder,
} from "../../core/paging.js";
import type { Placement, PlacementSummary } from "../../core/placement.js";
import { guarded } from "./errors.js";
import { entriesOf, type HostItem, toHost } from "./items.js";

/**
 * One Scan call over the hosts table: at most `limit` hosts after the host id `start` (the Scan's
 * ExclusiveStartKey), and the id of the last host read when the Scan can go on (its LastEvaluatedKey).
 */
export type ScanHosts = (
  limit: number,
  start?: string,
) => Promise<{ items: HostItem[]; last: string | undefined }>;

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
      items: (page.Items ?? []) as HostItem[],
      // The hosts table's key: a host id, a string.
      last: page.LastEvaluatedKey?.id,
    };
  };
}

/**
 * Scan calls one page reads at most. Each reads at most 1 MB; host items hold a short entry per
 * placement, but a host's labels may make it large (up to DynamoDB's 400 KB), so a page of 1,000 such
 * hosts would otherwise read hundreds of MB into the function: a page stops after about 4 MB, shorter
 * than asked, with a `next` to go on.
 */
export const PAGE_SCANS = 4;

/**
 * A page of hosts in the Scan's order (that of the hash of their ids). DynamoDB's Limit counts items
 * read, and one more host than the page is read so that the last page has no `next`. `toHosts` makes
 * hosts of the items a Scan call read (with their observations, in the registry).
 */
export async function scanHostPage(
  scan: ScanHosts,
  limit: number,
  after?: string,
  toHosts: (items: HostItem[]) => Promise<Host[]> = async (items) => items.map((item) => toHost(item)),
): Promise<HostPage> {
  const hosts: Host[] = [];
  let start = after;
  for (let call = 1; ; call++) {
    const page = await scan(limit + 1 - hosts.length, start);
    hosts.push(...(await toHosts(page.items)).map(withoutEvents));
    if (page.last === undefined || hosts.length > limit) {
      const { items, next } = cutPage(hosts, limit, (host) => host.id);
      return { hosts: items, next };
    }
    // The read bound: every host read is in the page, and the Scan goes on after the last of them.
    if (call === PAGE_SCANS) return { hosts, next: page.last };
    start = page.last;
  }
}

/** A listed placement: its host, its summary, and the placement whole when its host's item holds it. */
export interface Listed {
  host: Host;
  placement: PlacementSummary;
  whole?: Placement;
}

/** A page of placements before they are read whole (see DynamoDbRegistry.pagePlacements). */
export interface ListedPage {
  placements: Listed[];
  next?: string;
}

/** A host item's placements in page order (by id), only those after `after` when it is given. */
export function listed(item: HostItem, after?: string): Listed[] {
  const host = withoutEvents(toHost(item));
  const wholes = new Map(entriesOf(item).map((entry) => [entry.summary.id, entry.whole]));
  return placementsInPageOrder(host, after).map((placement) => {
    const whole = wholes.get(placement.id);
    return { host, placement, ...(whole && { whole }) };
  });
}

/**
 * A page of placements, host by host in the Scan's order, each host's by id. A page may stop inside a
 * host (`next` is then a placement id, whose host is read again to resume) or span many; hosts hold 0
 * to 128 placements, so each call reads as many hosts as placements are still wanted.
 */
export async function scanPlacementPage(
  scan: ScanHosts,
  getItem: (id: string) => Promise<HostItem | undefined>,
  limit: number,
  after?: string,
): Promise<ListedPage> {
  const found: Listed[] = [];
  let start: string | undefined;
  if (after !== undefined) {
    const position = placementPosition(after);
    start = position.hostId;
    const item = position.placementId === undefined ? undefined : await getItem(position.hostId);
    if (item) found.push(...listed(item, position.placementId));
  }
  const cut = (): ListedPage => {
    const { items, next } = cutPage(found, limit, idOfPlaced);
    return { placements: items, next };
  };
  // The rest of the host the page resumes in may fill it.
  if (found.length > limit) return cut();
  for (let call = 1; ; call++) {
    const page = await scan(limit + 1 - found.length, start);
    for (const item of page.items) found.push(...listed(item));
    if (page.last === undefined || found.length > limit) return cut();
    // As for hosts: every placement of the hosts read is in the page, which goes on after the last host.
    if (call === PAGE_SCANS) return { placements: found, next: page.last };
    start = page.last;
  }
}
