import type { Client } from "./client.js";

/** A listing of the API: its path under /v1, which is also its answer's key. */
type Listing = "hosts" | "placements";

/** Every item of a listing: its pages one after another, following `next` until it is null. */
export async function allPages<T>(
  client: Client,
  listing: Listing,
  query: Record<string, string | undefined>,
): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    const body = await client.call({ method: "GET", path: `/v1/${listing}`, query: { ...query, next } });
    const page = body as { [key in Listing]?: T[] } & { next: string | null };
    items.push(...(page[listing] ?? []));
    next = page.next ?? undefined;
  } while (next !== undefined);
  return items;
}
