import { describe, expect, it } from "vitest";
import {
  fgdChoice,
  fgdScore,
  fits,
  fragmentation,
  type GpuNode,
  type TaskShape,
  taskFragmentation,
  typicalWorkload,
  type Workload,
  withTask,
} from "../../shared/core/rules/fragmentation.js";

// FGD's measure on a node small enough to work out by hand (Weng et al., ATC '23, section 3.2).
const node: GpuNode = { cpuMilli: 8000, gpuMilli: [1000, 500, 200, 0] };
const cpuOnly: TaskShape = { cpuMilli: 2000, gpus: 0, gpuMilli: 0 };
const shared: TaskShape = { cpuMilli: 4000, gpus: 1, gpuMilli: 300 };
const twoWhole: TaskShape = { cpuMilli: 1000, gpus: 2, gpuMilli: 1000 };
const workload: Workload = [
  { shape: cpuOnly, share: 0.2 },
  { shape: shared, share: 0.5 },
  { shape: twoWhole, share: 0.3 },
];

describe("GPU fragmentation", () => {
  it("counts every free GPU milli for a task that asks for none, lacks devices or lacks cpu", () => {
    expect(taskFragmentation(node, cpuOnly)).toBe(1700);
    expect(taskFragmentation(node, twoWhole)).toBe(1700);
    expect(taskFragmentation({ ...node, cpuMilli: 3000 }, shared)).toBe(1700);
    expect(taskFragmentation({ ...node, model: "T4" }, { ...shared, models: ["V100"] })).toBe(1700);
  });

  it("counts only the devices with too little room for a task that fits", () => {
    expect(taskFragmentation(node, shared)).toBe(200);
    expect(taskFragmentation({ ...node, model: "T4" }, { ...shared, models: ["T4"] })).toBe(200);
  });

  it("is nothing on a host without free GPUs", () => {
    expect(fragmentation({ cpuMilli: 8000, gpuMilli: [] }, workload)).toBe(0);
    expect(fragmentation({ cpuMilli: 8000, gpuMilli: [0, 0] }, workload)).toBe(0);
  });

  it("weighs each shape's fragmentation by its share: 0.2·1700 + 0.5·200 + 0.3·1700", () => {
    expect(fragmentation(node, workload)).toBeCloseTo(950, 9);
  });

  it("checks fit on cpu, device count and each device's room", () => {
    expect(fits(node, shared)).toBe(true);
    expect(fits(node, twoWhole)).toBe(false);
    expect(fits(node, { cpuMilli: 1000, gpus: 1, gpuMilli: 600 })).toBe(true);
    expect(fits(node, { cpuMilli: 1000, gpus: 2, gpuMilli: 600 })).toBe(false);
    expect(fits({ ...node, cpuMilli: 1000 }, cpuOnly)).toBe(false);
  });

  it("puts whole-device tasks on free devices and unpinned shared tasks on the fullest device with room", () => {
    const three: GpuNode = { cpuMilli: 4000, gpuMilli: [1000, 300, 1000] };
    expect(withTask(three, { cpuMilli: 1000, gpus: 1, gpuMilli: 1000 })?.gpuMilli).toEqual([0, 300, 1000]);
    expect(withTask(three, { cpuMilli: 1000, gpus: 1, gpuMilli: 200 })?.gpuMilli).toEqual([1000, 100, 1000]);
    expect(withTask(three, { cpuMilli: 1000, gpus: 1, gpuMilli: 200 }, 2)).toEqual({
      cpuMilli: 3000,
      gpuMilli: [1000, 300, 800],
    });
    expect(withTask(three, { cpuMilli: 1000, gpus: 1, gpuMilli: 500 }, 1)).toBeUndefined();
  });
});

describe("FGD's choice", () => {
  it("takes the device where fragmentation grows least, which best-fit would not (the fuller device)", () => {
    // Device 0 (1000 → 700): 0.2·1400 + 0.5·200 + 0.3·1400 = 800, from 950: −150.
    // Device 1 (500 → 200): 0.2·1400 + 0.5·400 + 0.3·1400 = 900: −50.
    const task: TaskShape = { cpuMilli: 1000, gpus: 1, gpuMilli: 300 };
    const choice = fgdChoice(node, task, workload);
    expect(choice?.device).toBe(0);
    expect(choice?.growth).toBeCloseTo(-150, 9);
    expect(choice?.score).toBe(53);
  });

  it("scores as the simulator: 50 for no change, higher when fragmentation shrinks, in 0..100", () => {
    expect(fgdScore(0)).toBe(50);
    expect(fgdScore(-150)).toBe(53);
    expect(fgdScore(-50)).toBe(51);
    expect(fgdScore(10)).toBe(49);
    expect(fgdScore(-1e6)).toBe(100);
    expect(fgdScore(1e6)).toBe(0);
  });

  it("takes a scale: the growth that moves the score from 50 to 26, wider steps for a larger one", () => {
    expect(fgdScore(1000)).toBe(26);
    expect(fgdScore(2000, 2000)).toBe(26);
    expect(fgdScore(-150, 2000)).toBe(51);
    expect(fgdScore(-60, 2000)).toBe(50);
    expect(fgdScore(-60)).toBe(51);
  });

  it("is undefined for a task that does not fit, and grows by the cpu a cpu-only task takes from GPU tasks", () => {
    expect(fgdChoice(node, twoWhole, workload)).toBeUndefined();
    // 8000 − 5000 leaves 3000 cpu: the shared shape (4000 cpu) no longer fits, its 200 becomes 1700.
    expect(fgdChoice(node, { cpuMilli: 5000, gpus: 0, gpuMilli: 0 }, workload)?.growth).toBeCloseTo(750, 9);
  });
});

describe("the target workload", () => {
  it("keeps the most frequent shapes until they cover 95% of the tasks, then renormalises", () => {
    const often: TaskShape = { cpuMilli: 1000, gpus: 1, gpuMilli: 1000 };
    const tasks = [
      ...Array.from({ length: 50 }, () => often),
      ...Array.from({ length: 11 }, (_, index) => ({ cpuMilli: 2000 + index, gpus: 0, gpuMilli: 0 })),
    ];
    // 95% of 61 is 57.95: the frequent shape (50) and 8 of the single ones.
    const typical = typicalWorkload(tasks);
    expect(typical).toHaveLength(9);
    expect(typical[0]).toEqual({ shape: often, share: 50 / 58 });
    expect(typical.reduce((sum, { share }) => sum + share, 0)).toBeCloseTo(1, 12);
  });
});
