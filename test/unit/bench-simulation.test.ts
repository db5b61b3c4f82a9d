import { describe, expect, it } from "vitest";
import { DESIGNS, simulate, VirtualTime } from "../../bench/simulation.js";

const [today] = DESIGNS;

describe("scale simulation", () => {
  it("resumes concurrent tasks in virtual-time order, whatever order they ask in", async () => {
    const time = new VirtualTime();
    const seen: string[] = [];
    const task = (name: string, times: number[]) => async () => {
      for (const at of times) {
        await time.until(at);
        seen.push(`${name}@${at}`);
      }
    };
    await time.run([task("a", [5, 30]), task("b", [1, 10, 20]), task("c", [25])]);
    expect(seen).toEqual(["b@1", "a@5", "b@10", "b@20", "c@25", "a@30"]);
  });

  it.each(DESIGNS)("places through the product's scheduler without a false 409: $name", async (design) => {
    const result = await simulate(design, { hosts: 50, schedulers: 4, placements: 300, seconds: 600 });
    expect(result.placements).toBeGreaterThanOrEqual(300);
    expect(result.unschedulable409).toBe(0);
    expect(result.commits).toBeGreaterThanOrEqual(result.placements);
    expect(result.conflictRate).toBeGreaterThanOrEqual(0);
    expect(result.conflictRate).toBeLessThan(1);
    // The cluster stays at its occupancy: releases follow the commits.
    expect(result.livePlacements).toBeGreaterThan(0);
    expect(result.invocationsPerMillion).toBeGreaterThan(2_000_000);
    expect(result.projectedPlacementsPerSecond).toBeGreaterThan(0);
  });

  it.each(DESIGNS)("holds each host item to DynamoDB's per-item write rate: $name", async (design) => {
    // Two hosts and 16 schedulers: the items' write limit, not the schedulers, sets the pace.
    const result = await simulate(design, { hosts: 2, schedulers: 16, placements: 3000, seconds: 600 });
    const limit = 1000 / design.itemWriteMs;
    expect(result.hottestItemWritesPerSecond).toBe(limit);
    // Each placement is a commit and (at the steady occupancy) a release: two writes on the two items.
    expect(result.projectedPlacementsPerSecond).toBeLessThanOrEqual(limit);
  });

  it("stops at its virtual time when the placements would take longer", async () => {
    if (!today) throw new Error("no design");
    const result = await simulate(today, {
      hosts: 50,
      schedulers: 2,
      placements: 1e9,
      seconds: 2,
    });
    expect(result.virtualSeconds).toBeLessThan(3);
    expect(result.placements).toBeLessThan(1e9);
    // The timeline splits the run in fifths; together they make the run's rate.
    expect(result.timeline.map((part) => part.fromSecond)).toEqual([0, 0.4, 0.8, 1.2, 1.6]);
    const mean = result.timeline.reduce((sum, part) => sum + part.placementsPerSecond, 0) / 5;
    expect(mean).toBeGreaterThan(0.8 * result.projectedPlacementsPerSecond);
    expect(mean).toBeLessThan(1.25 * result.projectedPlacementsPerSecond);
  });
});
