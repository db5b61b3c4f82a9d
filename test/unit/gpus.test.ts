import { describe, expect, it } from "vitest";
import { assignGpus, grantFits, grantOfView, grantView, reservedShares } from "../../shared/core/gpus.js";
import { parseContainerRequest, sentContainer } from "../../shared/core/request.js";

const seed = { image: "redis:7", cpus: "0.5", memory: 256, type: "batch" };
const V100 = { count: 4, model: "V100M32" };

function parsed(body: Record<string, unknown>) {
  const result = parseContainerRequest({ ...seed, ...body });
  return result.ok ? result.value : result.issues;
}

describe("a request's gpus", () => {
  it("asks whole devices with an integer and a share of one device with a fraction", () => {
    expect(parsed({ gpus: 2 })).toMatchObject({ gpus: { count: 2, share: 1000 } });
    expect(parsed({ gpus: 0.46 })).toMatchObject({ gpus: { count: 1, share: 460 } });
    expect(parsed({ gpus: 1, gpu_models: ["V100M32", "A100"] })).toMatchObject({
      gpus: { count: 1, share: 1000, models: ["V100M32", "A100"] },
    });
  });

  it.each([0, -1, 1.5, 0.0001, 17, "1"])("refuses gpus %s, naming the field", (gpus) => {
    expect(parsed({ gpus })).toEqual([expect.objectContaining({ path: "gpus" })]);
  });

  it("refuses gpu_models without gpus, and a model that is no name", () => {
    expect(parsed({ gpu_models: ["V100"] })).toEqual([
      { path: "gpu_models", message: "names the models of the GPUs asked for: ask for gpus too" },
    ]);
    expect(parsed({ gpus: 1, gpu_models: ["V100 32GB"] })).toEqual([
      expect.objectContaining({ path: "gpu_models.0" }),
    ]);
  });

  it("echoes gpus and gpu_models as sent", () => {
    const body = { ...seed, gpus: 0.5, gpu_models: ["T4"] };
    const request = parseContainerRequest(body);
    if (!request.ok) throw new Error("refused");
    expect(sentContainer(body, request.value)).toMatchObject({ gpus: 0.5, gpu_models: ["T4"] });
  });
});

describe("GPU devices", () => {
  it("gives whole devices from the free ones, and none when too few are free", () => {
    const shares = [0, 300, 0, 0];
    expect(assignGpus({ count: 2, share: 1000 }, V100, shares)).toEqual({ devices: [0, 2], share: 1000 });
    expect(assignGpus({ count: 4, share: 1000 }, V100, shares)).toBe("insufficient gpus");
  });

  it("puts a share on the fullest device it fits on, keeping whole devices free", () => {
    expect(assignGpus({ count: 1, share: 500 }, V100, [0, 300, 600, 0])).toEqual({
      devices: [1],
      share: 500,
    });
    expect(assignGpus({ count: 1, share: 400 }, V100, [0, 300, 600, 0])).toEqual({
      devices: [2],
      share: 400,
    });
    expect(assignGpus({ count: 1, share: 500 }, V100, [1000, 1000, 1000, 600])).toBe("insufficient gpus");
  });

  it("says why a host cannot give any: no devices, or another model", () => {
    expect(assignGpus({ count: 1, share: 1000 }, null, [])).toBe("no GPUs");
    expect(assignGpus({ count: 1, share: 1000, models: ["A100"] }, V100, [0, 0, 0, 0])).toBe(
      "GPU model not in gpu_models",
    );
  });

  it("sums the grants on each device, and checks a grant as the arbiter does", () => {
    const shares = reservedShares(V100, [
      { devices: [1], share: 250 },
      undefined,
      { devices: [1, 2], share: 750 },
    ]);
    expect(shares).toEqual([0, 1000, 750, 0]);
    expect(grantFits({ devices: [2], share: 250 }, V100, shares)).toBe(true);
    expect(grantFits({ devices: [2], share: 251 }, V100, shares)).toBe(false);
    expect(grantFits({ devices: [4], share: 1 }, V100, shares)).toBe(false);
    expect(grantFits({ devices: [0], share: 1 }, null, [])).toBe(false);
    expect(grantFits(undefined, null, [])).toBe(true);
  });

  it("shows a grant as device ids and a share, and reads it back", () => {
    expect(grantView({ devices: [0, 1], share: 1000 })).toEqual({ devices: ["0", "1"] });
    expect(grantView({ devices: [3], share: 460 })).toEqual({ devices: ["3"], share: 0.46 });
    for (const grant of [
      { devices: [0, 1], share: 1000 },
      { devices: [3], share: 460 },
    ]) {
      expect(grantOfView(grantView(grant))).toEqual(grant);
    }
  });
});
