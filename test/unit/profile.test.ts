import { describe, expect, it } from "vitest";
import {
  PROFILE_WINDOW,
  percentile95,
  profileView,
  type UsageSample,
  verdict,
  withSamples,
} from "../../shared/core/profile.js";
import { NOW } from "../support/fixtures.js";

function samples(usedCpu: number[], usedMemory: number): UsageSample[] {
  return usedCpu.map((cpuMilli) => ({
    image: "app:1",
    requested: { cpuMilli: 1000, memory: 1024 },
    used: { cpuMilli, memory: usedMemory },
  }));
}

describe("image profiles", () => {
  it("verdicts: too few samples, pressing against the limit, under half, in between", () => {
    expect(verdict(1000, 990, 990, 4)).toBe("not enough samples");
    expect(verdict(1000, 900, 900, 5)).toBe("undersized");
    expect(verdict(1000, 400, 400, 5)).toBe("oversized");
    expect(verdict(1000, 700, 700, 5)).toBe("right-sized");
  });

  it("the 95th percentile is the nearest rank", () => {
    expect(percentile95([])).toBe(0);
    expect(percentile95(Array.from({ length: 100 }, (_, i) => i + 1))).toBe(95);
    expect(percentile95([3, 1, 2])).toBe(3);
  });

  it("aggregates samples over refreshes: count, means, max, p95 over the recent window", () => {
    let profile = withSamples(undefined, "app:1", samples([600, 700], 300), NOW);
    profile = withSamples(profile, "app:1", samples([650, 600, 2000 / 4], 900), NOW);
    const view = profileView(profile);
    expect(view).toMatchObject({
      image: "app:1",
      samples: 5,
      cpus: { requested_mean: 1, used_mean: 0.61, used_p95: 0.7, used_max: 0.7, verdict: "right-sized" },
      memory: { requested_mean: 1024, used_mean: 660, used_p95: 900, used_max: 900, verdict: "right-sized" },
    });
    const long = withSamples(profile, "app:1", samples(new Array(PROFILE_WINDOW).fill(100), 100), NOW);
    expect([long.samples, long.recentCpuMilli.length, long.max.cpuMilli]).toEqual([
      5 + PROFILE_WINDOW,
      PROFILE_WINDOW,
      700,
    ]);
    expect(profileView(long).cpus.verdict).toBe("oversized");
  });
});
