import { describe, expect, it } from "vitest";
import type { GpuGrant } from "../../shared/core/gpus.js";
import { type Host, newHost } from "../../shared/core/host.js";
import { feasibleEnough, filterHosts, selectHost } from "../../shared/core/pipeline.js";
import { summaryOf } from "../../shared/core/placement.js";
import { ReplicaIndex } from "../../shared/core/replica-index.js";
import type { ContainerRequest } from "../../shared/core/request.js";
import { amounts, freeCounters } from "../../shared/core/resources.js";
import { workloadOf } from "../../shared/core/rules/gpu-fragmentation.js";
import { schedulerType } from "../../shared/core/schedulers.js";
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

function choose(hosts: Host[], wanted: ContainerRequest): string | undefined {
  const gpu = schedulerType("gpu");
  if (!gpu) throw new Error("no gpu type");
  const { feasible } = filterHosts(hosts, wanted, { limit: feasibleEnough(hosts.length), random: () => 0 });
  const { score } = scoring(gpu, wanted, { hosts, replicas: new ReplicaIndex(hosts).of(wanted.image) });
  return selectHost(feasible, score, { nearBest: 1, random: () => 0 })?.id;
}

describe("the gpu type (FGD)", () => {
  it("puts a share where a shared device has room, not on a whole free device, when shares are the workload", () => {
    // Half-device requests are what the cluster runs: a half on a fresh host strands nothing the workload
    // wants, but a half on the host whose device is half used fills it whole.
    const hosts = [gpuHost("fresh", 1), gpuHost("half", 1, { devices: [0], share: 500 })];
    expect(choose(hosts, request({ count: 1, share: 500 }))).toBe("half");
  });

  it("keeps cpu-only requests off GPU hosts, where their cpu would strand GPUs", () => {
    const hosts = [gpuHost("gpu-1", 2, { devices: [0], share: 500 }), gpuHost("cpu-1", 0)];
    expect(choose(hosts, { ...request(), amounts: amounts({ cpu: 31_850, memory: 64 }) })).toBe("cpu-1");
  });

  it("among hosts whose fragmentation grows alike, takes the most allocated (binpack at 1/100)", () => {
    // A whole device on either host strands nothing more of the workload (whole devices and halves): FGD
    // ties, and binpack sends it to the host already in use rather than open the fresh one.
    const hosts = [gpuHost("two-free", 2), gpuHost("mixed", 2, { devices: [0], share: 500 })];
    expect(choose(hosts, request({ count: 1, share: 1000 }))).toBe("mixed");
    expect(choose([hosts[0] as Host], request({ count: 1, share: 1000 }))).toBe("two-free");
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
