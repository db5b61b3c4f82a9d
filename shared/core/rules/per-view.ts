import type { Host } from "../host.js";

/**
 * `compute` of a view, once per view: kept while the view lives, for what its hosts' capacities and
 * devices say (a view's list may have its hosts' placements replaced, as the bench's does, never their
 * capacities or devices). A scheduler's view is one list until it changes, so rules read such facts
 * once per view rather than once per decision.
 */
export function perView<T>(compute: (hosts: readonly Host[]) => T): (hosts: readonly Host[]) => T {
  const known = new WeakMap<readonly Host[], T>();
  return (hosts) => {
    if (known.has(hosts)) return known.get(hosts) as T;
    const value = compute(hosts);
    known.set(hosts, value);
    return value;
  };
}
