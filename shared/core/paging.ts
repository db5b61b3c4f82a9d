import type { Host } from "./host.js";
import { hostOfPlacement, type Placement, type PlacementSummary } from "./placement.js";

/**
 * Listings come in pages. A page resumes after a position: a host id for hosts; for placements a
 * placement id (resume after it, on its host and then the hosts after) or a host id (resume after
 * every placement of that host). Each item's own id is a position, so a caller may shorten a page and
 * continue after the last item it kept.
 */
export interface HostPage {
  hosts: Host[];
  /** Where the next page starts; absent on the last page. */
  next?: string;
}

/** A live placement with the host that holds it (an answer shows both). */
export interface PlacedOnHost {
  host: Host;
  placement: Placement;
}

export interface PlacementPage {
  placements: PlacedOnHost[];
  /** Where the next page starts; absent on the last page. */
  next?: string;
}

/** Code-unit order, the same in every registry and locale (localeCompare is neither). */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A placements position: the host it is on, and the placement after which that host's placements
 * resume (absent: after all of them, the position being a host id).
 */
export function placementPosition(after: string): { hostId: string; placementId?: string } {
  const hostId = hostOfPlacement(after);
  return hostId === undefined ? { hostId: after } : { hostId, placementId: after };
}

/** A host's placements in page order (by id), only those after `after` when it is given. */
export function placementsInPageOrder(host: Host, after?: string): PlacementSummary[] {
  return host.placements
    .filter((placement) => after === undefined || placement.id > after)
    .sort((a, b) => byCodeUnits(a.id, b.id));
}

/**
 * A page of at most `limit` items from `items` read in page order, with one read beyond the page when
 * there is one: then the page ends at its last item and `next` is that item's id, so that the last
 * page says it is the last.
 */
export function cutPage<T>(
  items: T[],
  limit: number,
  idOf: (item: T) => string,
): { items: T[]; next?: string } {
  if (items.length <= limit) return { items };
  const kept = items.slice(0, limit);
  const last = kept.at(-1);
  return last === undefined ? { items: kept } : { items: kept, next: idOf(last) };
}

/** A listed placement's position: its id. */
export function idOfPlaced(entry: { placement: { id: string } }): string {
  return entry.placement.id;
}
