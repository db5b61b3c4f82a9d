import { describe, expect, it } from "vitest";
import type { Host } from "../../shared/core/host.js";
import { perView } from "../../shared/core/rules/per-view.js";
import { host } from "../support/fixtures.js";

describe("perView", () => {
  it("computes once per view, again for another list, and keeps a falsy value", () => {
    let calls = 0;
    const count = perView((hosts) => {
      calls++;
      return hosts.length;
    });
    const view: Host[] = [host("a", 1, 1024), host("b", 2, 2048)];
    expect([count(view), count(view)]).toEqual([2, 2]);
    expect(calls).toBe(1);
    expect(count([])).toBe(0);
    expect(count([...view])).toBe(2);
    expect(calls).toBe(3);
    const none: Host[] = [];
    let falsy = 0;
    const counted = perView((hosts) => {
      falsy++;
      return hosts.length > 0;
    });
    expect([counted(none), counted(none)]).toEqual([false, false]);
    expect(falsy).toBe(1);
  });
});
