import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lineChart } from "../../bench/charts.js";
import { mergeSections } from "../../bench/markdown.js";
import {
  BASELINES,
  bestFit,
  dotProduct,
  fgd,
  firstFit,
  mostAllocated,
  nomadBinpack,
  randomFit,
  type Strategy,
} from "../../bench/packing/baselines.js";
import { Cluster, type TraceNode, type TracePod } from "../../bench/packing/model.js";
import { monteCarlo } from "../../bench/packing/monte-carlo.js";
import { replay } from "../../bench/packing/replay.js";
import { variantOf } from "../../bench/packing/variants.js";
import { firstFitDecreasing, readTrace, runTrace, STRATEGIES } from "../../bench/trace.js";
import { typicalWorkload } from "../../shared/core/rules/fragmentation.js";
import { seededRandom } from "../support/random.js";

const HEADER =
  "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time";

/** Writes a trace in the openb format and reads it back. */
function traceOf(nodes: string[], pods: string[]) {
  const folder = mkdtempSync(join(tmpdir(), "citadel-trace-"));
  writeFileSync(join(folder, "nodes.csv"), ["sn,cpu_milli,memory_mib,gpu,model", ...nodes].join("\n"));
  writeFileSync(join(folder, "pods.csv"), [HEADER, ...pods].join("\n"));
  return readTrace(join(folder, "nodes.csv"), join(folder, "pods.csv"));
}

// The trace benchmark's metrics on a trace small enough to work out by hand.
const tinyTrace = () =>
  traceOf(
    ["n-a,4000,4096,0,", "n-b,4000,4096,0,"],
    [
      "p1,2000,1024,0,0,,LS,Running,0,100,0",
      "p2,2000,1024,0,0,,LS,Running,10,100,10",
      "p3,3000,1024,0,0,,LS,Running,20,100,20",
      "p4,4000,1024,0,0,,LS,Running,30,40,30",
    ],
  );

const strategy = (name: string) => {
  const found = STRATEGIES.find((candidate) => candidate.name === name);
  if (!found) throw new Error(name);
  return found;
};

const node = (id: string, cpus: number, gpus = 0, model = ""): TraceNode => ({
  id,
  cpuMilli: cpus * 1000,
  memory: 65536,
  gpus,
  model,
});

const pod = (cpus: number, gpus = 0, gpuMilli = gpus > 0 ? 1000 : 0, models?: string[]): TracePod => ({
  name: "p",
  cpuMilli: cpus * 1000,
  memory: 1024,
  gpus,
  gpuMilli,
  ...(models && { models }),
  created: 0,
  deleted: Number.POSITIVE_INFINITY,
  image: `shape/${cpus}-${gpus}:1`,
});

/** Where a strategy puts each pod in turn on a fresh cluster (the node's index, or −1). */
function placements(nodes: TraceNode[], pods: TracePod[], chosen: Strategy): number[] {
  const cluster = new Cluster(nodes);
  const placer = chosen.placer(cluster, { random: seededRandom(1), workload: typicalWorkload(pods) });
  return pods.map((one) => {
    const choice = placer.choose(one);
    if (!choice) return -1;
    cluster.apply(choice, one, 1);
    return choice.node;
  });
}

describe("the trace benchmark's time replay", () => {
  it("batch packs two pods on one host, leaving room for the third; the fourth cannot fit", () => {
    const { nodes, pods } = tinyTrace();
    const result = replay(nodes, pods, strategy("batch"), typicalWorkload(pods), 10);
    expect(result.placedShare).toBe(0.75);
    expect(result.peakHostsInUse).toBe(2);
    expect(result.lowerBound).toBe(2);
    expect(result.maxReplicasOnOneHost).toBe(2);
  });

  it("service puts the two replicas of one shape on distinct hosts, and then the third pod fits nowhere", () => {
    const { nodes, pods } = tinyTrace();
    const result = replay(nodes, pods, strategy("service"), typicalWorkload(pods), 10);
    expect(result.maxReplicasOnOneHost).toBe(1);
    expect(result.placedShare).toBe(0.5);
  });

  it("batch opens the largest empty host and fills it before another: one host where 2 small ones would do", () => {
    const nodes = [node("small-1", 2), node("small-2", 2), node("big", 8)];
    const pods = [pod(2), pod(2), pod(2)];
    const result = replay(nodes, pods, strategy("batch"), typicalWorkload(pods));
    expect(result.peakHostsInUse).toBe(1);
    expect(result.lowerBound).toBe(1);
    expect(result.capacityWeightedHostsInUse).toBe(1);
    const first = replay(nodes, pods, firstFit(), typicalWorkload(pods));
    expect(first.peakHostsInUse).toBe(3);
    // 2 + 2 + 8 cpus in use, in hosts of 8.
    expect(first.capacityWeightedHostsInUse).toBe(1.5);
  });

  it("bounds GPU-aware strategies, the product's among them, by the GPUs alive too", () => {
    const nodes = [node("g-1", 32, 2), node("g-2", 32, 2), node("c", 32)];
    const pods = [pod(1, 2), pod(1, 2)];
    expect(replay(nodes, pods, firstFit(), typicalWorkload(pods)).lowerBound).toBe(2);
    // Each pod takes both devices of a host: the product places them on the two GPU hosts.
    for (const type of ["batch", "gpu"]) {
      expect(replay(nodes, pods, strategy(type), typicalWorkload(pods))).toMatchObject({
        lowerBound: 2,
        peakHostsInUse: 2,
        gpus: true,
      });
    }
  });

  it("first-fit-decreasing packs everything that fits at once", () => {
    const { nodes, pods } = tinyTrace();
    expect(firstFitDecreasing(nodes, pods)).toEqual({ hosts: 2, placedShare: 0.5 });
  });
});

describe("the packing baselines", () => {
  const nodes = [node("a", 4), node("b", 2), node("c", 4)];

  it("first-fit takes the first host that fits; best-fit, dot-product and most-allocated the tightest", () => {
    expect(placements(nodes, [pod(2), pod(2)], firstFit())).toEqual([0, 0]);
    for (const tight of [bestFit, dotProduct, mostAllocated, nomadBinpack])
      expect(placements(nodes, [pod(2), pod(4)], tight), tight.name).toEqual([1, 0]);
  });

  it("breaks ties by the trace's order, as the FGD authors' simulator does", () => {
    expect(placements(nodes, [pod(4), pod(4)], bestFit)).toEqual([0, 2]);
  });

  it("puts GPU tasks only where devices have room, and of the model they ask for", () => {
    const gpuNodes = [node("cpu", 32), node("t4", 32, 1, "T4"), node("v100", 32, 2, "V100")];
    for (const baseline of BASELINES.filter((one) => one.name !== "first-fit (cpu, memory)")) {
      const where = placements(gpuNodes, [pod(1, 1, 600), pod(1, 1, 600), pod(1, 1, 1000, ["T4"])], baseline);
      expect(new Set(where.slice(0, 2)), baseline.name).not.toContain(0);
      expect(where[2], baseline.name).toBe(where.slice(0, 2).includes(1) ? -1 : 1);
    }
  });

  it("random spreads over the hosts that fit", () => {
    const many = Array.from({ length: 8 }, (_, index) => node(`n-${index}`, 64));
    expect(
      new Set(
        placements(
          many,
          Array.from({ length: 16 }, () => pod(1)),
          randomFit,
        ),
      ).size,
    ).toBeGreaterThan(3);
  });

  it("FGD puts a shared task beside another rather than on a free device a whole-GPU task could take", () => {
    // The target workload: shared 0.5-GPU tasks and whole-GPU tasks, equally often.
    const shapes = [pod(1, 1, 500), pod(1, 1, 1000)];
    const cluster = new Cluster([node("g", 32, 2)]);
    const placer = fgd.placer(cluster, { random: seededRandom(1), workload: typicalWorkload(shapes) });
    const first = placer.choose(pod(1, 1, 500));
    if (!first) throw new Error("not placed");
    cluster.apply(first, pod(1, 1, 500), 1);
    expect(placer.choose(pod(1, 1, 500))?.devices).toEqual(first.devices);
  });
});

describe("the Monte-Carlo workload", () => {
  it("stops arrivals at the cluster's GPUs and reports what is left unallocated at each level", () => {
    const nodes = [node("g", 8, 4)];
    const pods = [pod(1, 1)];
    const result = monteCarlo(nodes, pods, bestFit, typicalWorkload(pods), 3);
    expect(result.basis).toBe("gpu");
    expect(result.unallocatedGpuShare.at(-1)).toEqual({ mean: 0, sd: 0 });
    expect(result.unallocatedGpuShare[9]).toEqual({ mean: 0.5, sd: 0 });
    expect(result.allocatedCpuShare.at(-1)).toEqual({ mean: 0.5, sd: 0 });
  });

  it("counts arrivals in cpus when no task asks for a GPU, and leaves GPU measures out for the product", () => {
    const nodes = [node("a", 4), node("b", 4)];
    const pods = [pod(3)];
    const result = monteCarlo(nodes, pods, strategy("batch"), typicalWorkload(pods), 2);
    expect(result.basis).toBe("cpu");
    expect(result.unallocatedGpuShare.every((level) => level === null)).toBe(true);
    // Two pods of 3 arrive (a third would ask 9 of 8): 6 of 8 cpus.
    expect(result.allocatedCpuShare.at(-1)?.mean).toBe(0.75);
    // Nor for baselines on a cluster without GPUs.
    expect(monteCarlo(nodes, pods, bestFit, typicalWorkload(pods), 1).unallocatedGpuShare[0]).toBeNull();
  });
});

describe("the trace's variants and rows", () => {
  it("reads GPU columns: devices per host, per-device milli, models", () => {
    const { nodes, pods } = traceOf(
      ["n-g,96000,393216,8,G2", "n-c,32000,131072,0,"],
      ["p1,4000,1024,1,460,,LS,Running,0,10,0", "p2,8000,1024,2,1000,T4|V100,LS,Running,0,10,0"],
    );
    expect(nodes.map(({ gpus, model }) => [gpus, model])).toEqual([
      [8, "G2"],
      [0, ""],
    ]);
    expect(pods.map(({ gpus, gpuMilli, models }) => [gpus, gpuMilli, models])).toEqual([
      [1, 460, undefined],
      [2, 1000, ["T4", "V100"]],
    ]);
  });

  it("redraws each pod's shape for the cpu-only share asked, keeping its times", () => {
    const pods = [pod(4), { ...pod(8, 1), created: 5, deleted: 9 }];
    expect(variantOf(pods, 1)?.every((one) => one.gpus === 0)).toBe(true);
    expect(variantOf(pods, 0)?.map(({ gpus, created, deleted }) => [gpus, created, deleted])).toEqual([
      [1, 0, Number.POSITIVE_INFINITY],
      [1, 5, 9],
    ]);
    expect(variantOf([pod(4)], 0.5)).toBeUndefined();
  });

  it("gives a row per strategy with the issue's fields", () => {
    const { nodes, pods } = tinyTrace();
    const run = runTrace("tiny", nodes, pods, { seeds: 2 });
    expect(run.rows.map((row) => row.strategy)).toEqual(STRATEGIES.map((one) => one.name));
    expect(run.rows.map((row) => row.strategy)).toEqual(
      expect.arrayContaining([
        "batch",
        "first-fit",
        "best-fit",
        "dot-product",
        "most-allocated",
        "nomad-binpack",
      ]),
    );
    for (const row of run.rows)
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining([
          "peakHostsInUse",
          "lowerBound",
          "placedShare",
          "unallocatedGpuShareAtFull",
          "allocatedCpuShareAtFull",
        ]),
      );
  });
});

describe("a report of some parts", () => {
  it("replaces only its sections, with a note, keeping the header and the others in order", () => {
    const existing = "# B\n\nDate: 1.\n\n## 1. One\n\nold 1\n\n## 4. Four\n\nold 4\n\n## 5. Five\n\nold 5\n";
    const fresh = "# B\n\nDate: 2.\n\n## 4. Four\n\nnew 4\n\n## 3. Three\n\nnew 3";
    expect(mergeSections(existing, fresh, "_n_")).toBe(
      "# B\n\nDate: 1.\n\n## 1. One\n\nold 1\n\n## 3. Three\n\n_n_\n\nnew 3\n\n## 4. Four\n\n_n_\n\nnew 4\n\n## 5. Five\n\nold 5\n",
    );
  });
});

describe("the charts", () => {
  it("draws one path per series", () => {
    const svg = lineChart("t", "x", "y", [
      {
        name: "a",
        points: [
          [1, 1],
          [2, 3],
        ],
      },
      {
        name: "b",
        points: [
          [1, 2],
          [2, 1],
        ],
      },
    ]);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("<svg");
  });
});
