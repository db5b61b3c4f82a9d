import { describe, expect, it } from "vitest";
import { SimulatedArbiter, Worker } from "../../bench/simulation/arbiter.js";
import {
  CHANGES,
  DESIGNS,
  type Design,
  designKey,
  FULL_SCAN,
  INDEX_SCAN,
  SLIM_HOST,
  TABLE_SLICE,
} from "../../bench/simulation/designs.js";
import { AWS_MODEL } from "../../bench/simulation/model.js";
import { missedGoals } from "../../bench/simulation/report.js";
import { simulate } from "../../bench/simulation/run.js";
import { VirtualTime } from "../../bench/simulation/time.js";
import { amounts } from "../../shared/core/resources.js";
import { seededRandom } from "../support/random.js";

const today = DESIGNS.find((design) => design.product);
const previous = DESIGNS.find((design) => design.previous);
const slim = (snapshot: Design["snapshot"]): Design => ({ storage: SLIM_HOST, snapshot, schedulers: 8 });

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

  it("marks one design as the product's and one as the product's before, each measured once", () => {
    expect(DESIGNS.filter((design) => design.product)).toHaveLength(1);
    expect(DESIGNS.filter((design) => design.previous)).toHaveLength(1);
    expect(new Set(DESIGNS.map(designKey)).size).toBe(DESIGNS.length);
  });

  // A hundred hosts in two slices: a slice design avoids false 409s only by deciding again on every host.
  it.each(DESIGNS.map((design) => [designKey(design), design] as const))(
    "places through the product's scheduler without a false 409: %s",
    async (_, design) => {
      const result = await simulate(design, { hosts: 100, schedulers: 4, placements: 300, seconds: 600 });
      expect(result.placements).toBeGreaterThanOrEqual(300);
      expect(result.unschedulable409).toBe(0);
      expect(result.commits).toBeGreaterThanOrEqual(result.placements);
      expect(result.conflictRate).toBeLessThan(1);
      // The cluster stays at its occupancy: releases follow the commits.
      expect(result.livePlacements).toBeGreaterThan(0);
      expect(result.invocationsPerMillion).toBeGreaterThan(2_000_000);
      expect(result.product).toBe(design.product === true);
      expect(result.previous).toBe(design.previous === true);
    },
  );

  it.each(DESIGNS.map((design) => [designKey(design), design] as const))(
    "holds each host item to DynamoDB's per-item write units: %s",
    async (_, design) => {
      // Two hosts and 16 schedulers: the items' write limit, not the schedulers, sets the pace.
      const result = await simulate(design, { hosts: 2, schedulers: 16, placements: 3000, seconds: 600 });
      expect(result.hottestItemWriteUnitsPerSecond).toBeLessThanOrEqual(AWS_MODEL.itemWritesPerSecond);
      expect(result.hottestItemWriteUnitsPerSecond).toBeGreaterThan(0.9 * AWS_MODEL.itemWritesPerSecond);
      // Each placement is a commit and (at the steady occupancy) a release: two writes on the two items.
      expect(result.projectedPlacementsPerSecond).toBeLessThanOrEqual(AWS_MODEL.itemWritesPerSecond);
    },
  );

  it("reads a slice's share of the hosts, and a GSI's half-price projected bytes", async () => {
    const size = { hosts: 1000, placements: 1000, seconds: 600 };
    const scan = await simulate(slim(FULL_SCAN), size);
    const slice = await simulate(slim(TABLE_SLICE), size);
    const index = await simulate(slim(INDEX_SCAN), size);
    expect(slice.readUnitsPerMillion).toBeLessThan(scan.readUnitsPerMillion / 5);
    // Eventually consistent and projected: fewer units a read, though it reads four times as often.
    const perReload = (result: typeof scan) => result.readUnitsPerMillion / result.snapshotReloads;
    expect(perReload(index)).toBeLessThan(perReload(scan) / 4);
  });

  it("charges an index write for every change of a host it projects", async () => {
    const size = { hosts: 500, placements: 2000, seconds: 600 };
    const table = await simulate(slim(TABLE_SLICE), size);
    const index = await simulate(slim({ ...TABLE_SLICE, index: true, indexWriteUnits: 1 }), size);
    // A commit and a release per placement, each rewriting one index entry.
    const extra = index.writeUnitsPerMillion - table.writeUnitsPerMillion;
    expect(extra).toBeGreaterThan(1.8e6);
    expect(extra).toBeLessThan(2.3e6);
  });

  it("shows an index's changes only once it has caught up with the table", async () => {
    const time = new VirtualTime();
    const arbiter = new SimulatedArbiter(slim(CHANGES), 20, seededRandom(1));
    const worker = new Worker(arbiter, time);
    const seen: string[][] = [];
    await time.run([
      async () => {
        await worker.registry.listHosts();
        const placement = {
          id: "h3.test",
          hostId: "h3",
          image: "x",
          amounts: amounts({ cpu: 100, memory: 100 }),
          scheduler: "batch",
          createdAt: "1970-01-01T00:00:00.000Z",
          container: {},
        };
        expect((await worker.registry.commit({ placement })).kind).toBe("committed");
        worker.clock += AWS_MODEL.gsiLagMs / 2;
        seen.push((await worker.registry.changedHosts()).map((changed) => changed.id));
        worker.clock += AWS_MODEL.gsiLagMs;
        seen.push((await worker.registry.changedHosts()).map((changed) => changed.id));
        seen.push((await worker.registry.changedHosts()).map((changed) => changed.id));
      },
    ]);
    // The commit's release of the oldest placement changed another host too.
    expect(seen[0]).toEqual([]);
    expect(seen[1]).toContain("h3");
    expect(seen[2]).toEqual([]);
  });

  it("judges runs by the issue's goals", async () => {
    if (!today || !previous) throw new Error("no design");
    const result = await simulate(today, { hosts: 50, schedulers: 2, placements: 200, seconds: 600 });
    expect(missedGoals(result)).toContain("< 5,000/s");
    expect(missedGoals({ ...result, dollarsPerMillion: 5.01 })).toContain("> $5/M");
    expect(missedGoals({ ...result, contention503: result.requests })).toContain("503 ≥ 0.1%");
  });

  it("stops at its virtual time when the placements would take longer", async () => {
    if (!today) throw new Error("no design");
    const result = await simulate(today, { hosts: 50, schedulers: 2, placements: 1e9, seconds: 2 });
    expect(result.virtualSeconds).toBeLessThan(3);
    expect(result.placements).toBeLessThan(1e9);
    // The timeline splits the run in fifths; together they make the run's rate.
    expect(result.timeline.map((part) => part.fromSecond)).toEqual([0, 0.4, 0.8, 1.2, 1.6]);
    const mean = result.timeline.reduce((sum, part) => sum + part.placementsPerSecond, 0) / 5;
    expect(mean).toBeGreaterThan(0.8 * result.projectedPlacementsPerSecond);
    expect(mean).toBeLessThan(1.25 * result.projectedPlacementsPerSecond);
  });
});
