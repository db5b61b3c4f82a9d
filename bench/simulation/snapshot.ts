import type { Host } from "../../shared/core/host.js";
import type { Registry } from "../../shared/core/registry.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";

/** A registry that can also list the hosts changed since the caller's last such call. */
export type ChangeFeed = Pick<Registry, "listHosts" | "sliceHosts"> & { changedHosts(): Promise<Host[]> };

/**
 * The product's `HostSnapshot`, refreshed incrementally: the first read lists every host, later ones
 * only the hosts changed since (what `HostSnapshot.reload` would do with a registry that can say what
 * changed). A change older than the view's own commit answer may overwrite it: a stale host costs a
 * conflict and a retry, never correctness, since the arbiter checks every commit.
 */
export class IncrementalSnapshot extends HostSnapshot {
  private readAt = Number.NEGATIVE_INFINITY;
  private primed = false;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly ageBoundMs: number,
    private readonly clock: () => number,
  ) {
    super(feed, ageBoundMs, clock, Math.random, Number.POSITIVE_INFINITY);
  }

  override isStale(): boolean {
    return this.clock() - this.readAt > this.ageBoundMs;
  }

  override async reload(): Promise<void> {
    if (this.primed) {
      for (const host of await this.feed.changedHosts()) this.put(host.id, host);
    } else {
      await super.reload();
      this.primed = true;
    }
    this.readAt = this.clock();
  }
}
