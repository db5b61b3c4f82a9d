import type { Host } from "../../shared/core/host.js";
import type { PlacedOnHost } from "../../shared/core/paging.js";
import type { Registry } from "../../shared/core/registry.js";

/** Pages through every host (their ids, page by page), checking each page keeps to `limit`. */
export async function everyHost(registry: Registry, limit: number): Promise<string[][]> {
  return everyPage(limit, async (after) => {
    const page = await registry.pageHosts(limit, after);
    return { items: page.hosts.map((one: Host) => one.id), next: page.next };
  });
}

/** Pages through every live placement, page by page. */
export async function everyPlacement(registry: Registry, limit: number): Promise<PlacedOnHost[][]> {
  return everyPage(limit, async (after) => {
    const page = await registry.pagePlacements(limit, after);
    return { items: page.placements, next: page.next };
  });
}

async function everyPage<T>(
  limit: number,
  read: (after: string | undefined) => Promise<{ items: T[]; next: string | undefined }>,
): Promise<T[][]> {
  const pages: T[][] = [];
  let after: string | undefined;
  do {
    const page = await read(after);
    if (page.items.length > limit) throw new Error(`a page of ${page.items.length} items, over ${limit}`);
    if (pages.length > 1000) throw new Error("more than 1,000 pages: the cursor does not move on");
    pages.push(page.items);
    after = page.next;
  } while (after !== undefined);
  return pages;
}
