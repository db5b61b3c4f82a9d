import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import type { CommitRequest, Registry } from "../../shared/core/registry.js";

/** What runs between a registry's read and its next write: another writer on the same state. */
export type Between = (other: Registry) => Promise<unknown>;

/**
 * A registry whose first write (a commit without a key, a release, a host change or removal) waits, once, for `between` to run on
 * `other`, a second registry on the same state: as if another Lambda landed its write in the gap.
 */
export interface Racing {
  registry: Registry;
  other: Registry;
}

/** Builds a race on fresh, empty state. */
export type RacingFactory = (between: Between) => Promise<Racing>;

/**
 * The in-memory registry's race. Its methods read and write in one synchronous step, so there is no gap
 * inside them: `between` runs just before the write, and the write must judge the state it leaves.
 */
export const racingMemoryRegistry: RacingFactory = async (between) => {
  const other = new MemoryRegistry();
  let pending = true;
  const first = async () => {
    if (!pending) return;
    pending = false;
    await between(other);
  };
  const registry = Object.assign(Object.create(other) as Registry, {
    commit: async (request: CommitRequest) => first().then(() => other.commit(request)),
    release: async (id: string) => first().then(() => other.release(id)),
    changeHost: async (...args: Parameters<Registry["changeHost"]>) =>
      first().then(() => other.changeHost(...args)),
    removeHost: async (id: string, force: boolean) => first().then(() => other.removeHost(id, force)),
  });
  return { registry, other };
};
