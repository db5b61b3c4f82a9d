import { describe, expect, inject, it } from "vitest";
import { runKillScenario, runScenario, SCENARIOS } from "./scenarios.js";

// The reduced stress run of `npm test`; `npm run stress` runs the full one (100,000+ operations).
const OPERATIONS = 1200;
const WORKERS = 8;

describe("safety under concurrency and faults (reduced)", () => {
  it.each(["plain", "faults", "duplicates", "races"])(
    "%s: no violation, the cluster saturated and drained",
    async (name) => {
      const shape = SCENARIOS[name];
      if (!shape) throw new Error(`no scenario ${name}`);
      const report = await runScenario(inject("dynamodbEndpoint"), name, {
        ...shape,
        operations: OPERATIONS,
        workers: WORKERS,
        seed: 7,
      });
      console.log(`stress ${JSON.stringify(report)}`);
      expect(report.violations).toEqual([]);
      expect(report.figures.operations).toBeGreaterThanOrEqual(OPERATIONS);
      expect(report.figures.admitted).toBeGreaterThan(100);
      expect(report.figures.unschedulable).toBeGreaterThan(0);
      if (name === "faults") {
        expect(report.injected.throttle).toBeGreaterThan(0);
        expect(report.injected.timeoutAfterWrite).toBeGreaterThan(0);
        expect(report.injected.transactionConflict).toBeGreaterThan(0);
      }
      if (name === "duplicates") expect(report.injected.duplicates).toBeGreaterThan(0);
      if (name === "races") {
        expect(report.figures.releasedTwice).toBeGreaterThan(0);
        expect(report.figures.resizes).toBeGreaterThan(report.figures.resizesRefused);
        expect(report.figures.resizesRefused).toBeGreaterThan(0);
      }
    },
    // A scenario takes 20-60 s on 2 cores; more on a machine busy with other work.
    180_000,
  );

  it("kill: a worker process killed with SIGKILL mid-commit loses and leaks nothing", async () => {
    const shape = SCENARIOS.kill;
    if (!shape) throw new Error("no kill scenario");
    const report = await runKillScenario(inject("dynamodbEndpoint"), {
      ...shape,
      operations: 600,
      workers: 3,
      seed: 11,
    });
    console.log(`stress ${JSON.stringify(report)}`);
    expect(report.injected.killed).toBe(1);
    expect(report.violations).toEqual([]);
    expect(report.figures.admitted).toBeGreaterThan(50);
  });
});
