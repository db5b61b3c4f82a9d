import { describe, expect, it } from "vitest";
import { parseMillicores, toCpus } from "../../shared/core/units.js";

describe("cpus to millicores", () => {
  it.each([
    ["0.2", 200],
    [0.2, 200],
    ["1", 1000],
    [4, 4000],
    ["0.001", 1],
    ["2.5", 2500],
    [0.3, 300],
    [1.005, 1005],
    ["1000000", 1_000_000_000],
  ])("%s CPUs is %d millicores", (cpus, millicores) => {
    expect(parseMillicores(cpus)).toBe(millicores);
  });

  it.each([
    ["0"],
    [0],
    ["-1"],
    [-0.5],
    ["0.0001"],
    [0.0005],
    ["1e3"],
    [1e21],
    ["abc"],
    [""],
    [" 1"],
    ["01"],
    ["1."],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ["1000001"],
  ])("%s is refused with a reason", (cpus) => {
    expect(typeof parseMillicores(cpus)).toBe("string");
  });

  it("turns millicores back into CPUs", () => {
    expect(toCpus(200)).toBe(0.2);
    expect(toCpus(4000)).toBe(4);
  });
});
