import { describe, expect, it } from "vitest";
import { candidatesAnswer, rankCandidates } from "../../shared/core/candidates.js";
import type { Host } from "../../shared/core/host.js";
import { summaryOf } from "../../shared/core/placement.js";
import type { ContainerRequest } from "../../shared/core/request.js";
import { added, amounts, freeCounters, freeOf } from "../../shared/core/resources.js";
import { host, placement, scheduler } from "../support/fixtures.js";

function request(overrides: Partial<ContainerRequest> = {}): ContainerRequest {
  return {
    image: "redis:7",
    amounts: amounts({ cpu: 1000, memory: 1024 }),
    type: "service",
    constraints: [],
    labels: {},
    ...overrides,
  };
}

/** A host of 4 CPUs and 4 GiB with `cpuMilli` and `memory` reserved by `replicas` placements of `image`. */
function used(id: string, cpuMilli: number, memory: number, replicas = 1, image = "other:1"): Host {
  const base = host(id, 4, 4096, { zone: id.startsWith("a") ? "a" : "b" });
  const placements = Array.from({ length: replicas }, () =>
    summaryOf(placement(id, cpuMilli / replicas, memory / replicas, image)),
  );
  return {
    ...base,
    ...freeCounters(added(freeOf(base), amounts({ cpu: cpuMilli, memory }), -1)),
    placements,
  };
}

const ids = (ranked: { candidates: { host: Host }[] }) => ranked.candidates.map(({ host }) => host.id);
const spread = scheduler("service");
const batch = scheduler("batch");

describe("candidates", () => {
  const hosts = [used("a-half", 2000, 2048), used("a-empty", 0, 0), used("b-most", 3000, 3072)];

  it("ranks every feasible host as the type's strategy does: batch fullest first, spread emptiest first", () => {
    expect(ids(rankCandidates(hosts, request({ type: "batch" }), batch, 10))).toEqual([
      "b-most",
      "a-half",
      "a-empty",
    ]);
    const spreading = rankCandidates(hosts, request(), spread, 10);
    expect(ids(spreading)).toEqual(["a-empty", "a-half", "b-most"]);
    // service: 128 for a host without a replica of the image, plus 1 − its allocation with the request.
    expect(spreading.candidates.map(({ score }) => score)).toEqual([128.75, 128.25, 128]);
    expect(spreading).toMatchObject({ hosts: 3, infeasible: {} });
  });

  it("gives each candidate its type's score, and each rule's weighted part of it by the rule's name", () => {
    const [best] = rankCandidates(hosts, request({ type: "batch" }), batch, 1).candidates;
    // In use (1 at 0.03) and best-fit's 1 (nothing left with the request on it) at 0.004; GPU
    // fragmentation and the cpu reserve are left out (0) on a view without GPUs.
    expect(best).toEqual({
      host: hosts[2],
      score: 0.03 + 0.004,
      scores: { "in-use": 0.03, "gpu-fragmentation": 0, "best-fit": 0.004, "cpu-reserve": 0 },
    });
    const withTwo = used("a-two", 1000, 1024, 2, "redis:7");
    const [only] = rankCandidates([withTwo], request(), spread, 1).candidates;
    expect(only?.scores).toEqual({ replicas: 128 * (1 - 2 / 128), "least-allocated": 0.5 });
    expect(only?.score).toBe(126.5);
  });

  it("ranks a service's hosts by the replicas of its image they run, as placing does", () => {
    const withReplicas = [used("a-one", 1000, 1024, 1, "redis:7"), used("b-two", 1000, 1024, 2, "redis:7")];
    const ranked = rankCandidates([...withReplicas, used("a-full", 3000, 3072)], request(), spread, 10);
    // The fullest host runs no replica: it comes first, then the one with fewer replicas.
    expect(ids(ranked)).toEqual(["a-full", "a-one", "b-two"]);
  });

  it("counts the infeasible hosts by the first filter each failed, and looks at every host", () => {
    const cluster = [
      ...hosts,
      used("b-cpu", 3500, 0),
      used("b-memory", 0, 3500),
      { ...used("b-drain", 0, 0), status: "draining" as const },
    ];
    const zoneB = { key: "zone", operator: "==" as const, value: "b", text: "zone==b" };
    const ranked = rankCandidates(cluster, request({ constraints: [zoneB] }), spread, 10);
    expect(ids(ranked)).toEqual(["b-most"]);
    expect(ranked.hosts).toBe(6);
    expect(ranked.infeasible).toEqual({
      "constraint zone==b not met": 2,
      "insufficient cpu": 1,
      "insufficient memory": 1,
      "host draining": 1,
    });
    const none = rankCandidates(
      cluster,
      request({ amounts: amounts({ cpu: 8000, memory: 1024 }) }),
      spread,
      10,
    );
    expect(none.candidates).toEqual([]);
    expect(none.infeasible).toEqual({ "insufficient cpu": 5, "host draining": 1 });
  });

  it("lists every feasible host of a large cluster, not a scheduler's sample of them", () => {
    const cluster = Array.from({ length: 600 }, (_, n) =>
      used(`h${String(n).padStart(3, "0")}`, (n % 5) * 800, 0),
    );
    const ranked = rankCandidates(cluster, request({ type: "batch" }), batch, 1000);
    // A fifth of the hosts have 3.2 of their 4 CPUs reserved: no room for one more.
    expect(ranked.candidates).toHaveLength(480);
    expect(ranked.infeasible).toEqual({ "insufficient cpu": 120 });
    const scores = ranked.candidates.map(({ score }) => score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("caps the list at `limit`, the best first, equal scores by host id whatever the hosts' order", () => {
    const twins = ["c", "a", "d", "b"].map((id) => used(id, 1000, 1024));
    expect(ids(rankCandidates(twins, request(), spread, 2))).toEqual(["a", "b"]);
    expect(ids(rankCandidates([...twins].reverse(), request(), spread, 3))).toEqual(["a", "b", "c"]);
    expect(ids(rankCandidates([...hosts, ...twins], request(), spread, 1))).toEqual(["a-empty"]);
  });

  it("ranks a packing type's equal scores in the order the hosts were read, the first the one a placement takes", () => {
    const twins = ["c", "a", "d", "b"].map((id) => used(id, 1000, 1024));
    const wanted = request({ type: "batch" });
    expect(ids(rankCandidates(twins, wanted, batch, 4))).toEqual(["c", "a", "d", "b"]);
    expect(ids(rankCandidates([...twins].reverse(), wanted, batch, 2))).toEqual(["b", "d"]);
  });

  it("changes no host it looks at", () => {
    const before = structuredClone(hosts);
    rankCandidates(hosts, request(), spread, 10);
    expect(hosts).toEqual(before);
  });
});

describe("the candidates answer", () => {
  it("shows each host as GET /v1/hosts does, its scores rounded, and what is free on it", () => {
    const third = { ...used("a-third", 0, 0), ...freeCounters(amounts({ cpu: 2500, memory: 1000 })) };
    const answer = candidatesAnswer({
      hosts: 4,
      candidates: [{ host: third, score: 1 / 3, scores: { spread: 1 / 3, other: -2 / 3 } }],
      infeasible: { "insufficient cpu": 3 },
    });
    expect(answer).toEqual({
      hosts: 4,
      candidates: [
        {
          host: expect.objectContaining({ id: "a-third", total_cpus: 4, reserved_cpus: 1.5 }),
          score: 0.333333,
          scores: { spread: 0.333333, other: -0.666667 },
          free: { cpus: 2.5, memory: 1000 },
        },
      ],
      infeasible: { "insufficient cpu": 3 },
    });
  });
});
