import { describe, expect, it } from "vitest";
import type { Host } from "../../shared/core/host.js";
import { type Placement, summaryOf } from "../../shared/core/placement.js";
import { added, freeCounters, freeOf } from "../../shared/core/resources.js";
import { HostSnapshot } from "../../shared/core/snapshot.js";
import { fixedHosts, host, placement } from "../support/fixtures.js";

/** Host `a` (4 CPUs) as the arbiter holds it with these placements. */
function answered(placements: Placement[]): Host {
  const empty = host("a", 4, 4096);
  return {
    ...empty,
    ...freeCounters(placements.reduce((free, one) => added(free, one.amounts, -1), freeOf(empty))),
    placements: placements.map(summaryOf),
  };
}

async function viewOf(hosts: Host[]): Promise<HostSnapshot> {
  const snapshot = new HostSnapshot(fixedHosts(hosts), 60_000);
  await snapshot.reload();
  return snapshot;
}

const freeCpu = (snapshot: HostSnapshot) => snapshot.values().find((one) => one.id === "a")?.freeCpu;

describe("a scheduler's snapshot after its commits", () => {
  it("without the arbiter's answer, applies its own reservation", async () => {
    const snapshot = await viewOf([answered([])]);
    snapshot.committed(placement("a", 1000, 512));
    expect(freeCpu(snapshot)).toBe(3000);
  });

  it("takes the answered host and expects others to reserve there again what they did since its last look", async () => {
    const snapshot = await viewOf([answered([])]);
    const mine = placement("a", 1000, 512);
    const theirs = placement("a", 1000, 512);
    snapshot.committed(mine, answered([theirs, mine]));
    // 2000 free in truth; another scheduler took 1000 meanwhile, so 1000 more is expected to go.
    expect(freeCpu(snapshot)).toBe(1000);
    expect(snapshot.values()[0]?.placements).toEqual([theirs, mine].map(summaryOf));

    const mine2 = placement("a", 1000, 512);
    const theirs2 = placement("a", 1000, 512);
    snapshot.committed(mine2, answered([theirs, mine, theirs2, mine2]));
    // Full in truth, and the pace of the others is measured against the truth, not the last guess.
    expect(freeCpu(snapshot)).toBe(-1000);
  });

  it("forgets the guess when the arbiter answers a conflict or the view is read again", async () => {
    const mine = placement("a", 1000, 512);
    const theirs = placement("a", 1000, 512);
    const snapshot = await viewOf([answered([])]);
    snapshot.committed(mine, answered([theirs, mine]));
    snapshot.put("a", answered([theirs, mine]));
    expect(freeCpu(snapshot)).toBe(2000);

    const reloaded = await viewOf([answered([theirs])]);
    reloaded.committed(mine, answered([theirs, mine]));
    expect(freeCpu(reloaded)).toBe(2000);
  });
});
