import { invalid, problem, type Response } from "./http.js";

/** Items a listing answers when the caller names no `limit`. */
export const DEFAULT_PAGE_LIMIT = 100;

/** The largest `limit` a listing takes. */
export const MAX_PAGE_LIMIT = 1000;

/**
 * A page's items stop at this many bytes of JSON: Lambda refuses answers over 6 MB, and the body is
 * escaped once more inside the function's answer. A host's view can reach about 30 KB (32 labels of
 * 255 characters), so 1,000 of them would not fit; the page is cut, and `next` goes on from there.
 */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** What a listing pages through: its answer's key, which also names its cursors. */
export type Listing = "hosts" | "placements";

const LIMIT = /^[1-9]\d{0,3}$/;

/** Cursors are short base64url; anything longer or of other characters is not one of ours. */
const CURSOR = /^[A-Za-z0-9_-]{1,1024}$/;

/**
 * A listing's `?limit=` and `?next=`: how many items, and the registry position to resume after, or
 * the 400 that refuses them. `validPosition` says which positions this listing's cursors may hold.
 */
export function pageQuery(
  query: Record<string, string>,
  listing: Listing,
  validPosition: (position: string) => boolean,
): { limit: number; after?: string } | { refused: Response } {
  const { limit = String(DEFAULT_PAGE_LIMIT), next } = query;
  if (!LIMIT.test(limit) || Number(limit) > MAX_PAGE_LIMIT) {
    return {
      refused: invalid([{ path: "limit", message: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` }]),
    };
  }
  if (next === undefined) return { limit: Number(limit) };
  const after = decodeCursor(next, listing);
  if (after === undefined || !validPosition(after)) {
    return {
      refused: problem(400, "invalid_cursor", `next is not a cursor that GET /v1/${listing} gave out`),
    };
  }
  return { limit: Number(limit), after };
}

/**
 * The answer of a listing: the items' views, as many as fit in MAX_PAGE_BYTES, and `next`, the cursor
 * to the following page (null on the last): the registry's, or the position after the last item kept
 * when the page had to be cut.
 */
export function pageBody<T>(
  listing: Listing,
  items: T[],
  next: string | undefined,
  view: (item: T) => unknown,
  positionOf: (item: T) => string,
): Record<string, unknown> {
  const views: unknown[] = [];
  let bytes = 0;
  let kept: T | undefined;
  for (const item of items) {
    const shown = view(item);
    bytes += Buffer.byteLength(JSON.stringify(shown));
    if (kept !== undefined && bytes > MAX_PAGE_BYTES) {
      return { [listing]: views, next: cursor(listing, positionOf(kept)) };
    }
    views.push(shown);
    kept = item;
  }
  return { [listing]: views, next: next === undefined ? null : cursor(listing, next) };
}

/** An opaque cursor: base64url of `{"<listing>_after": position}`. */
function cursor(listing: Listing, position: string): string {
  return Buffer.from(JSON.stringify({ [`${listing}_after`]: position })).toString("base64url");
}

/** The position a cursor holds, or undefined when it is not a cursor of this listing. */
function decodeCursor(text: string, listing: Listing): string | undefined {
  if (!CURSOR.test(text)) return undefined;
  const decoded = Buffer.from(text, "base64url");
  // Buffer skips what it cannot decode: only the canonical text of some bytes is a cursor.
  if (decoded.toString("base64url") !== text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(decoded.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  const [key, position] = entries[0] ?? [];
  return entries.length === 1 && key === `${listing}_after` && typeof position === "string"
    ? position
    : undefined;
}
