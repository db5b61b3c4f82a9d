import { describe, expect, it } from "vitest";
import { toHost, toItem } from "../../shared/adapters/dynamodb/items.js";
import { changedHost } from "../../shared/core/host-changes.js";
import { capacity, SHARED_CAPACITIES, sharedCapacity } from "../../shared/core/resources.js";
import { host, NOW } from "../support/fixtures.js";

// Hosts of one capacity share its object (see sharedCapacity): the engine reads it from the cache.

describe("shared capacities", () => {
  it("are one object for hosts of the same totals, and another for other totals", () => {
    const [a, b, other] = [host("a", 4, 8192), host("b", 4, 8192), host("c", 8, 8192)];
    expect(a.total).toBe(b.total);
    expect(a.declared).toBe(b.declared);
    expect(other.total).not.toBe(a.total);
    expect(other.total).toEqual(capacity({ cpu: 8000, memory: 8192 }));
  });

  it("are what a change of totals and a DynamoDB item give", () => {
    const changed = changedHost(host("a", 4, 8192), { total: { cpu: 8000 } }, NOW);
    expect(changed?.total).toBe(host("c", 8, 8192).total);
    expect(changed?.declared).toBe(host("b", 4, 8192).declared);
    const read = toHost(toItem(host("d", 4, 8192)));
    expect(read.total).toBe(host("e", 4, 8192).total);
    expect(read.declared).toBe(host("e", 4, 8192).declared);
  });

  it("tell unknown totals from zero", () => {
    expect(sharedCapacity(capacity({ cpu: 0 }))).not.toBe(sharedCapacity(capacity()));
    expect(sharedCapacity(capacity())).toEqual(capacity());
  });

  it("are copies, so the object given may change without changing them", () => {
    const given = capacity({ cpu: 1234, memory: 5678 });
    const shared = sharedCapacity(given);
    given.cpu = 1;
    expect(shared).toEqual(capacity({ cpu: 1234, memory: 5678 }));
  });

  it("stop at SHARED_CAPACITIES kinds: a host of another capacity keeps its own", () => {
    for (let cpu = 1; cpu <= SHARED_CAPACITIES; cpu++) sharedCapacity(capacity({ cpu, memory: 1 }));
    const own = capacity({ cpu: SHARED_CAPACITIES + 1, memory: 1 });
    expect(sharedCapacity(own)).toBe(own);
    expect(sharedCapacity(capacity({ cpu: 1, memory: 1 }))).toEqual(capacity({ cpu: 1, memory: 1 }));
  });
});
