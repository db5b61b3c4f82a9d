import { describe, expect, it } from "vitest";
import type { GpuGrant } from "../../shared/core/gpus.js";
import { type Host, newHost } from "../../shared/core/host.js";
import { feasibleEnough, filterHosts, selectHost } from "../../shared/core/pipeline.js";
import { tieBreak } from "../../shared/core/place.js";
import { summaryOf } from "../../shared/core/placement.js";
import { ReplicaIndex } from "../../shared/core/replica-index.js";
import type { ContainerRequest } from "../../shared/core/request.js";
import { amounts, freeCounters } from "../../shared/core/resources.js";
import type { Workload } from "../../shared/core/rules/fragmentation.js";
import {
  gpuFragmentation,
  gpuFragmentationCoarse,
  workloadOf,
} from "../../shared/core/rules/gpu-fragmentation.js";
import type { ScoreRule } from "../../shared/core/rules/registry.js";
import { type SchedulerType, schedulerType } from "../../shared/core/schedulers.js";
import { scoring } from "../../shared/core/scoring.js";
import { loopbackOf, NOW, placement } from "../support/fixtures.js";

/** A host of 32 CPUs and `count` T4s, with placements holding `grants` (100 millicores each). */
function gpuHost(id: string, count: number, ...grants: GpuGrant[]): Host {
  const host = newHost(
    {
      addr: loopbackOf(id),
      id,
      total_cpus: 32_000,
      total_memory: 65_536,
      ...(count && { gpus: { count, model: "T4" } }),
    },
    NOW,
  );
  const placements = grants.map((gpus) => summaryOf({ ...placement(id, 100, 64), gpus }));
  return {
    ...host,
    ...freeCounters(amounts({ cpu: 32_000 - 100 * grants.length, memory: 65_536 - 64 * grants.length })),
    placements,
  };
}

function request(gpus?: ContainerRequest["gpus"]): ContainerRequest {
  return {
    image: "example/train:1",
    amounts: amounts({ cpu: 100, memory: 64 }),
    type: "gpu",
    constraints: [],
    labels: {},
    ...(gpus && { gpus }),
  };
}

function choose(hosts: Host[], wanted: ContainerRequest, type = "gpu"): string | undefined {
  const gpu = schedulerType(type);
  if (!gpu) throw new Error(`no ${type} type`);
  const { feasible } = filterHosts(hosts, wanted, { limit: feasibleEnough(hosts.length), random: () => 0 });
  const { score } = scoring(gpu, wanted, { hosts, replicas: new ReplicaIndex(hosts).of(wanted.image) });
  return selectHost(feasible, score, { nearBest: 1, random: tieBreak(true, 1, Math.random) })?.id;
}

describe("the gpu type (FGD)", () => {
  it("puts a share on a shared device with room, not on a whole free device, when whole devices are the workload", () => {
    // The cluster runs whole-device jobs (the busy host's): half of the fresh host's device would be
    // stranded for them, the half-used device is stranded already, and the share fills it.
    const busy = gpuHost("busy", 2, { devices: [0], share: 1000 }, { devices: [1], share: 1000 });
    const hosts = [gpuHost("fresh", 1), gpuHost("half", 1, { devices: [0], share: 500 }), busy];
    expect(choose(hosts, request({ count: 1, share: 500 }))).toBe("half");
  });

  it("keeps cpu-only requests off GPU hosts, where their cpu would strand GPUs", () => {
    const hosts = [gpuHost("gpu-1", 2, { devices: [0], share: 500 }), gpuHost("cpu-1", 0)];
    expect(choose(hosts, { ...request(), amounts: amounts({ cpu: 31_850, memory: 64 }) })).toBe("cpu-1");
  });

  it("scores in steps twice FGD's simulator's: growths the simulator's steps tell apart may tie", () => {
    // 95% of the workload asks for no GPU (every free GPU is stranded for it), 5% for a whole device.
    // A share of 60 on a fresh device (1000 → 940): 0.95·940 + 0.05·940 − 0.95·1000 = −10.
    // On a half-used device (500 → 440): 440 − 500 = −60 (neither shape could use the half before).
    const workload: Workload = [
      { shape: { cpuMilli: 100, gpus: 0, gpuMilli: 0 }, share: 0.95 },
      { shape: { cpuMilli: 100, gpus: 1, gpuMilli: 1000 }, share: 0.05 },
    ];
    const context = {
      hosts: [],
      replicas: new ReplicaIndex([]).of("none"),
      spread: undefined,
      workload: () => workload,
      inUseShare: () => 0,
      owedCpu: () => 0,
    };
    const fresh = gpuHost("fresh", 1);
    const half = gpuHost("half", 1, { devices: [0], share: 500 });
    const share = request({ count: 1, share: 60 });
    const score = (rule: ScoreRule, host: Host) => rule.score(host, share, context);
    // The simulator's steps: ⌊100·σ(0.01)⌋ = 50 and ⌊100·σ(0.06)⌋ = 51, the half-used device first.
    expect(score(gpuFragmentation, fresh)).toBe(0.5);
    expect(score(gpuFragmentation, half)).toBe(0.51);
    // Twice as wide: ⌊100·σ(0.005)⌋ = ⌊100·σ(0.03)⌋ = 50, a tie the view's order breaks.
    expect(score(gpuFragmentationCoarse, fresh)).toBe(0.5);
    expect(score(gpuFragmentationCoarse, half)).toBe(0.5);
  });

  it("scores the growth on the free shares of the device the placement takes (the fullest it fits on)", () => {
    // Every job of the workload asks for a whole device: device 1's free 500 is stranded, device 0's
    // 1000 is not. A share of 400 goes to device 1 (the fullest it fits on): 500 → 100 stranded, a
    // growth of −0.4 GPU, ⌊100·σ(0.4)⌋ = 59 (twice as wide: ⌊100·σ(0.2)⌋ = 54). On device 0, the first,
    // it would strand 600 more: ⌊100·σ(−0.6)⌋ = 35.
    const workload: Workload = [{ shape: { cpuMilli: 100, gpus: 1, gpuMilli: 1000 }, share: 1 }];
    const host = gpuHost("shared", 2, { devices: [1], share: 500 });
    const context = {
      hosts: [host],
      replicas: new ReplicaIndex([]).of("none"),
      workload: () => workload,
      inUseShare: () => 0,
      owedCpu: () => 0,
    };
    const share = { ...request({ count: 1, share: 400 }), type: "gpu" };
    expect(gpuFragmentation.score(host, share, { ...context, spread: undefined })).toBe(0.59);
    expect(gpuFragmentationCoarse.score(host, share, { ...context, spread: undefined })).toBe(0.54);
  });

  it("among hosts whose fragmentation grows alike, takes the first in the view's order", () => {
    // Halves are the workload: a half on either host strands nothing of it, and FGD ties.
    const fresh = gpuHost("fresh", 1);
    const half = gpuHost("half", 1, { devices: [0], share: 500 });
    expect(choose([fresh, half], request({ count: 1, share: 500 }))).toBe("fresh");
    expect(choose([half, fresh], request({ count: 1, share: 500 }))).toBe("half");
  });

  it("is left out of a decision whose view has no GPU host (it would score every host alike)", () => {
    const plain = [gpuHost("a", 0), gpuHost("b", 0)];
    const gpuRule = (hosts: Host[]) => {
      const scored = scoring(schedulerType("batch") as SchedulerType, request(), {
        hosts,
        replicas: new ReplicaIndex(hosts).of("example/train:1"),
      });
      return scored.breakdown(plain[0] as Host).scores["gpu-fragmentation"];
    };
    expect(gpuRule(plain)).toBe(0);
    expect(gpuRule([...plain, gpuHost("g", 2)])).toBe(0.5);
  });

  it("measures the workload on the view's live placements and the request", () => {
    const hosts = [
      gpuHost("a", 2, { devices: [0], share: 300 }, { devices: [0], share: 300 }),
      gpuHost("b", 0),
    ];
    const workload = workloadOf(hosts, request({ count: 2, share: 1000 }));
    expect(workload).toEqual([
      { shape: { cpuMilli: 100, gpus: 1, gpuMilli: 300 }, share: 2 / 3 },
      { shape: { cpuMilli: 100, gpus: 2, gpuMilli: 1000 }, share: 1 / 3 },
    ]);
  });
});

describe("the batch type on GPU hosts", () => {
  it("sends a request for no GPU to a host in use where its cpu strands no GPU, not to a GPU host as full", () => {
    // Both run 100 millicores. On gpu-1 the big request would leave 50 millicores, too few for the
    // whole-device job it runs, so its free device would be stranded. The small one strands nothing on
    // either, and best-fit counts gpu-1's free device as left over: plain fits it better.
    const gpu = gpuHost("gpu-1", 2, { devices: [0], share: 1000 });
    const plain: Host = {
      ...gpuHost("plain", 0),
      ...freeCounters(amounts({ cpu: 32_000 - 100, memory: 65_536 - 64 })),
      placements: [summaryOf(placement("plain", 100, 64))],
    };
    const cpuOnly = { ...request(), type: "batch", amounts: amounts({ cpu: 31_850, memory: 64 }) };
    expect(choose([gpu, plain], cpuOnly, "batch")).toBe("plain");
    expect(choose([gpu, plain], { ...cpuOnly, amounts: amounts({ cpu: 100, memory: 64 }) }, "batch")).toBe(
      "plain",
    );
    // Alone with an empty host, the small request stays on the host in use.
    expect(
      choose([gpuHost("empty", 0), gpu], { ...cpuOnly, amounts: amounts({ cpu: 100, memory: 64 }) }, "batch"),
    ).toBe("gpu-1");
  });

  it("opens an empty host only for a request that would strand GPUs on every host in use", () => {
    // On gpu-1 the big request strands its free device for the whole-device job the cluster runs: a
    // growth of many steps, past in-use's three.
    const empty = gpuHost("empty", 0);
    const gpu = gpuHost("gpu-1", 2, { devices: [0], share: 1000 });
    const cpuOnly = { ...request(), type: "batch", amounts: amounts({ cpu: 31_850, memory: 64 }) };
    expect(choose([empty, gpu], cpuOnly, "batch")).toBe("empty");
  });
});
