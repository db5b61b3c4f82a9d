import { describe, expect, it } from "vitest";
import type { GpuGrant } from "../../shared/core/gpus.js";
import { freeGpu, type Host, newHost } from "../../shared/core/host.js";
import { filterHosts, selectHost } from "../../shared/core/pipeline.js";
import { FIRST_HOST } from "../../shared/core/place.js";
import { summaryOf } from "../../shared/core/placement.js";
import { ReplicaIndex } from "../../shared/core/replica-index.js";
import type { ContainerRequest } from "../../shared/core/request.js";
import { amounts, freeCounters } from "../../shared/core/resources.js";
import { cpuReserve, owedCpu } from "../../shared/core/rules/cpu-reserve.js";
import type { Workload } from "../../shared/core/rules/fragmentation.js";
import type { ScoreContext } from "../../shared/core/rules/registry.js";
import { schedulerType } from "../../shared/core/schedulers.js";
import { scoring } from "../../shared/core/scoring.js";
import { loopbackOf, NOW, placement } from "../support/fixtures.js";

/** What a placement holds: CPUs, and perhaps GPUs. */
interface Held {
  cpus: number;
  gpus?: GpuGrant;
}

/** A host of `cpus` CPUs and `count` G2s, with a placement for each of `held`. */
function gpuHost(id: string, cpus: number, count: number, ...held: Held[]): Host {
  const host = newHost(
    {
      addr: loopbackOf(id),
      id,
      total_cpus: cpus * 1000,
      total_memory: 262_144,
      ...(count && { gpus: { count, model: "G2" } }),
    },
    NOW,
  );
  const placements = held.map(({ cpus, gpus }) => summaryOf({ ...placement(id, cpus * 1000, 64), gpus }));
  const cpu = held.reduce((sum, each) => sum + each.cpus * 1000, 0);
  return {
    ...host,
    ...freeCounters(amounts({ cpu: cpus * 1000 - cpu, memory: 262_144 - 64 * held.length })),
    placements,
  };
}

function request(cpus: number, gpus?: ContainerRequest["gpus"]): ContainerRequest {
  return {
    image: "example/train:1",
    amounts: amounts({ cpu: cpus * 1000, memory: 64 }),
    type: "batch",
    constraints: [],
    labels: {},
    ...(gpus && { gpus }),
  };
}

const ONE_GPU = { count: 1, share: 1000 };

/** A placement of 16 CPUs and the whole device `device`. */
const trainer = (device: number): Held => ({ cpus: 16, gpus: { devices: [device], share: 1000 } });

/** A context whose GPUs are each owed `owed` CPUs. */
function owing(owed: number): ScoreContext {
  return {
    hosts: [],
    replicas: new ReplicaIndex([]).of("none"),
    spread: undefined,
    workload: () => [],
    inUseShare: () => 0,
    owedCpu: () => owed * 1000,
  };
}

describe("cpu-reserve", () => {
  // Half the tasks ask 1 GPU and 16 CPUs, a quarter half a GPU and 8 CPUs, a quarter 4 CPUs and no GPU:
  // 0.625 GPU and 10 CPUs of GPU tasks a task, 16 CPUs a GPU; 11 CPUs in all, 17.6 a GPU.
  const workload: Workload = [
    { shape: { cpuMilli: 16_000, gpus: 1, gpuMilli: 1000 }, share: 0.5 },
    { shape: { cpuMilli: 8000, gpus: 1, gpuMilli: 500 }, share: 0.25 },
    { shape: { cpuMilli: 4000, gpus: 0, gpuMilli: 0 }, share: 0.25 },
  ];

  it("owes each free GPU the cpu a device of the workload's GPU tasks while the view's free cpu covers the workload's", () => {
    const eightGpus = gpuHost("g2", 96, 8);
    // 8 free GPUs take 8 · 17.6 = 140.8 CPUs of the workload's: 96 do not cover it, 96 + 44.8 just do,
    // 96 + 36 (16.5 a GPU: enough for the GPU tasks' 16, not for the workload's 17.6) do not.
    const covering = [eightGpus, gpuHost("cpu", 44.8, 0)];
    expect(owedCpu([eightGpus], workload)).toBe(0);
    expect(owedCpu(covering, workload)).toBe(16_000);
    expect(owedCpu([eightGpus, gpuHost("cpu", 36, 0)], workload)).toBe(0);
    // A placement's GPUs are not free: 4 free GPUs take 70.4 CPUs, and 96 - 2 · 8 = 80 are free.
    const pair = (devices: number[]): Held => ({ cpus: 8, gpus: { devices, share: 1000 } });
    const half = gpuHost("half", 96, 8, pair([0, 1]), pair([2, 3]));
    expect(freeGpu(half)).toBe(4000);
    expect(owedCpu([half], workload)).toBe(16_000);
    // A task of two devices asks its cpu for both: 32 CPUs for 2 GPUs owe 16 a GPU.
    const pairs: Workload = [{ shape: { cpuMilli: 32_000, gpus: 2, gpuMilli: 1000 }, share: 1 }];
    expect(owedCpu(covering, pairs)).toBe(16_000);
    // A workload without GPU tasks owes nothing, even where the cpu would cover it.
    expect(owedCpu(covering, workload.slice(2))).toBe(0);
  });

  it("leaves hosts of unknown capacity, and those not ready, out of what the view has free", () => {
    const covering = [gpuHost("g2", 96, 8), gpuHost("cpu", 44.8, 0)];
    // Eight more GPUs without cpu would take the reserve off, were they counted.
    const unmeasured = { ...gpuHost("new", 0, 8), total: { ...gpuHost("new", 0, 8).total, cpu: null } };
    const draining = { ...gpuHost("old", 8, 8), status: "draining" as const };
    expect(owedCpu([...covering, unmeasured, draining], workload)).toBe(16_000);
    expect(owedCpu([...covering, { ...draining, status: "ready" as const }], workload)).toBe(0);
  });

  it("scores how much the request grows the owed cpu a host lacks: 0.5 − growth / 32 CPUs, within 0..1", () => {
    const score = (each: Host, wanted: ContainerRequest, owed = 12) =>
      cpuReserve.score(each, wanted, owing(owed));
    // 8 free GPUs and 96 CPUs, 12 owed a GPU: nothing to spare.
    const g2 = gpuHost("g2", 96, 8);
    expect(score(g2, request(8))).toBe(0.25);
    expect(score(g2, request(40))).toBe(0);
    expect(score(g2, request(12, ONE_GPU))).toBe(0.5);
    expect(score(g2, request(20, ONE_GPU))).toBe(0.25);
    // Half a device frees 6 owed CPUs of the 8 asked: 2 more lacking.
    expect(score(g2, request(8, { count: 1, share: 500 }))).toBe(0.4375);
    // 80 CPUs for 8 GPUs lack 16: a GPU with 4 CPUs leaves 76 for 7, lacking 8; all 8 with 8 CPUs, none.
    const short = gpuHost("short", 96, 8, { cpus: 16 });
    expect(score(short, request(4, ONE_GPU))).toBe(0.75);
    expect(score(short, request(8, { count: 8, share: 1000 }))).toBe(1);
    expect(score(short, request(4, ONE_GPU), 0)).toBe(0.5);
    // A host with cpu to spare, and one without GPUs, lose nothing.
    expect(score(gpuHost("t4", 104, 2), request(64))).toBe(0.5);
    expect(score(gpuHost("cpu", 32, 0), request(8))).toBe(0.5);
    expect(cpuReserve.uses?.(request(8), [gpuHost("cpu", 32, 0)])).toBe(false);
    expect(cpuReserve.uses?.(request(8), [gpuHost("cpu", 32, 0), g2])).toBe(true);
  });

  it("sends batch's cpu-only job to the host in use with cpu to spare, not to the one whose GPUs need its cpu", () => {
    // Both hosts run a 1-GPU job of 16 CPUs; the cluster's GPU jobs ask 16 CPUs a GPU. The dense host
    // (3 free GPUs, 32 CPUs) lacks 16 already, and fits the job best (least left over); the roomy one
    // (1 free GPU, 88 CPUs) has 72 to spare.
    const dense = gpuHost("dense", 48, 4, trainer(0));
    const roomy = gpuHost("roomy", 104, 2, trainer(0));
    const spare = gpuHost("spare", 32, 0);
    const hosts = [dense, roomy, spare];
    const batch = schedulerType("batch");
    if (!batch) throw new Error("no batch type");
    const wanted = request(8);
    let reads = 0;
    const view = new Proxy(hosts, {
      get(target, key, receiver) {
        reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const { score, breakdown } = scoring(batch, wanted, {
      hosts: view,
      replicas: new ReplicaIndex(hosts).of("x"),
    });
    const { feasible } = filterHosts(hosts, wanted);
    expect(selectHost(feasible, score, { nearBest: 1, random: FIRST_HOST })).toBe(roomy);
    expect(breakdown(dense).scores["cpu-reserve"]).toBeLessThan(breakdown(roomy).scores["cpu-reserve"] ?? 0);
    // The view is read for the owed cpu once a decision, not once a host.
    const afterOne = reads;
    for (const each of hosts) score(each);
    expect(reads).toBe(afterOne);
  });
});
