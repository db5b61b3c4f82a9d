import { describe, expect, it } from "vitest";
import type { Constraint } from "../../shared/core/constraints.js";
import { parseConstraint } from "../../shared/core/constraints.js";
import { type Host, MAX_PLACEMENTS_PER_HOST } from "../../shared/core/host.js";
import { selectHost, topHosts } from "../../shared/core/pipeline.js";
import { FIRST_HOST } from "../../shared/core/place.js";
import { summaryOf } from "../../shared/core/placement.js";
import { ReplicaIndex } from "../../shared/core/replica-index.js";
import type { ContainerRequest } from "../../shared/core/request.js";
import { added, amounts, freeCounters, freeOf } from "../../shared/core/resources.js";
import { allocationAfter } from "../../shared/core/rules/allocation.js";
import { IN_ORDER_FROM } from "../../shared/core/rules/best-fit.js";
import { inUseShare } from "../../shared/core/rules/in-use.js";
import { SCORE_RULES, type ScoreContext, scoreRule } from "../../shared/core/rules/registry.js";
import { spreadScores } from "../../shared/core/rules/spread.js";
import type { SchedulerType } from "../../shared/core/schedulers.js";
import { REQUEST_RULE_WEIGHT, scoring } from "../../shared/core/scoring.js";
import { host, placement, scheduler } from "../support/fixtures.js";
import { seededRandom } from "../support/random.js";

const IMAGE = "redis:7";

function request(overrides: Partial<ContainerRequest> = {}): ContainerRequest {
  return {
    image: IMAGE,
    amounts: amounts({ cpu: 500, memory: 512 }),
    type: "service",
    constraints: [],
    labels: {},
    ...overrides,
  };
}

/** A host with `replicas` placements of the image and `other` of another, each 100 millicores and 100 MiB. */
function loaded(id: string, labels: Record<string, string>, replicas: number, other = 0, cpus = 4): Host {
  const base = host(id, cpus, 4096, labels);
  const placements = [
    ...Array.from({ length: replicas }, () => placement(id, 100, 100, IMAGE)),
    ...Array.from({ length: other }, () => placement(id, 100, 100, "other:1")),
  ];
  return {
    ...base,
    ...freeCounters(
      added(freeOf(base), amounts({ cpu: 100 * placements.length, memory: 100 * placements.length }), -1),
    ),
    placements: placements.map(summaryOf),
  };
}

/** A host of `cpus` CPUs and 64 GiB with one placement of `cpuMilli` and 64 MiB. */
function running(id: string, cpus: number, cpuMilli: number): Host {
  const base = host(id, cpus, 65_536);
  return {
    ...base,
    ...freeCounters(added(freeOf(base), amounts({ cpu: cpuMilli, memory: 64 }), -1)),
    placements: [summaryOf(placement(id, cpuMilli, 64, "other:1"))],
  };
}

/** `each` with `count` GPU devices. */
function gpus(each: Host, count: number): Host {
  return { ...each, gpus: { count, model: "T4" } };
}

function contextOf(hosts: Host[], spread?: ContainerRequest["spread"]): ScoreContext {
  const replicas = new ReplicaIndex(hosts).of(IMAGE);
  return {
    hosts,
    replicas,
    spread: spread && spreadScores(spread, hosts, replicas),
    workload: () => [],
    inUseShare: () => inUseShare(hosts),
    owedCpu: () => 0,
  };
}

const rule = (name: string) => {
  const found = scoreRule(name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
};

const constraint = (text: string) => parseConstraint(text) as Constraint;

describe("score rules", () => {
  it("each has a name of its own and a documented range its values stay in", () => {
    expect(SCORE_RULES.map((one) => one.name)).toEqual([
      "in-use",
      "binpack",
      "best-fit",
      "least-allocated",
      "replicas",
      "affinity",
      "spread",
      "gpu-fragmentation",
      "gpu-fragmentation-coarse",
      "cpu-reserve",
    ]);
    const hosts = [loaded("a", { zone: "a" }, 3, 2), loaded("b", { zone: "b" }, 0, 20), loaded("c", {}, 1)];
    const wanted = request({
      affinities: [{ constraint: constraint("zone==a"), weight: 40 }],
      spread: { label: "zone" },
    });
    const context = contextOf(hosts, wanted.spread);
    for (const one of SCORE_RULES) {
      for (const each of hosts) {
        const value = one.score(each, wanted, context);
        expect(value).toBeGreaterThanOrEqual(one.range[0]);
        expect(value).toBeLessThanOrEqual(one.range[1]);
      }
    }
  });

  it("least-allocated is 1 minus the allocation after placing; binpack puts it in 0.5..1 for a host in use", () => {
    const busy = loaded("busy", {}, 0, 20);
    const context = contextOf([busy]);
    // (2000 + 500) / 4000 cpu and (2000 + 512) / 4096 memory, averaged.
    const expected = (2500 / 4000 + 2512 / 4096) / 2;
    expect(allocationAfter(busy, request())).toBeCloseTo(expected, 12);
    expect(rule("least-allocated").score(busy, request(), context)).toBeCloseTo(1 - expected, 12);
    expect(rule("binpack").score(busy, request(), context)).toBeCloseTo(0.5 + expected / 2, 12);
    expect(allocationAfter({ ...busy, total: { ...busy.total, cpu: null } }, request())).toBe(1);
  });

  it("binpack ranks a half-used big host above an empty small one, and the largest empty host first", () => {
    const big = loaded("big", {}, 0, 40, 32);
    const small = host("small", 1, 1024);
    const empty = host("empty-big", 32, 4096);
    const context = contextOf([big, small, empty]);
    const [halfUsed = 0, emptySmall = 0, emptyBig = 0] = [big, small, empty].map((each) =>
      rule("binpack").score(each, request(), context),
    );
    // The empty hosts: 1 − (500 / 1000 + 512 / 1024) / 2 = 0.5 and 1 − (500 / 32000 + 512 / 4096) / 2,
    // quartered, above 0.25.
    expect(emptySmall).toBeCloseTo(0.375, 12);
    expect(emptyBig).toBeCloseTo(0.25 + (1 - (500 / 32000 + 512 / 4096) / 2) / 4, 12);
    expect(halfUsed).toBeGreaterThan(0.5);
    expect(halfUsed).toBeGreaterThan(emptyBig);
    expect(emptyBig).toBeGreaterThan(emptySmall);
  });

  it("best-fit ranks hosts in use by what they would have left, absolute, and empty hosts after them, the largest first", () => {
    // In use: 8 of 32 CPUs free, and 2 of 4. With a CPU more, the big host is the more allocated
    // (binpack's first) and the small one has the less left: 1 CPU of the view's largest 32 against 7.
    const big = running("big", 32, 24_000);
    const small = running("small", 4, 2000);
    const empty = host("empty", 16, 4096);
    const view = [big, small, empty];
    const context = contextOf(view);
    const wanted = request({ amounts: amounts({ cpu: 1000, memory: 64 }) });
    const score = (each: Host) => rule("best-fit").score(each, wanted, context);
    expect(score(small)).toBeCloseTo(0.5 + (1 - 1000 / 32_000) / 2, 12);
    expect(score(big)).toBeCloseTo(0.5 + (1 - 7000 / 32_000) / 2, 12);
    expect(rule("binpack").score(big, wanted, context)).toBeGreaterThan(
      rule("binpack").score(small, wanted, context),
    );
    // Empty: binpack's band, the largest first.
    expect(score(empty)).toBe(rule("binpack").score(empty, wanted, context));
    expect(score(empty)).toBeLessThan(0.5);
    expect(score(host("tiny", 2, 4096))).toBeLessThan(score(empty));
  });

  it("best-fit counts free GPUs as left over, against the most any host of the view has", () => {
    const two = { ...running("two", 4, 2000), gpus: { count: 2, model: "T4" } };
    const none = running("none", 4, 2000);
    const four = { ...host("four", 4, 4096), gpus: { count: 4, model: "T4" } };
    const context = contextOf([two, none, four]);
    const wanted = request({ amounts: amounts({ cpu: 1000, memory: 64 }) });
    // 1 CPU of 4 and 2 GPUs of 4 left, cpu and GPUs weighed alike; none has no GPU left.
    expect(rule("best-fit").score(two, wanted, context)).toBeCloseTo(0.5 + (1 - (1 / 4 + 2 / 4) / 2) / 2, 12);
    expect(rule("best-fit").score(none, wanted, context)).toBeCloseTo(0.5 + (1 - 1 / 4 / 2) / 2, 12);
    // A request for a device counts it as taken: 1 GPU of 4 left.
    const oneGpu = request({ amounts: amounts({ cpu: 1000, memory: 64 }), gpus: { count: 1, share: 1000 } });
    expect(rule("best-fit").score(two, oneGpu, context)).toBeCloseTo(0.5 + (1 - (1 / 4 + 1 / 4) / 2) / 2, 12);
    // A device half used has half of it left: 1 CPU, and 1.5 GPUs with the request's device taken.
    const halfUsed: Host = {
      ...two,
      placements: [
        ...two.placements,
        summaryOf({ ...placement("two", 0, 0), gpus: { devices: [0], share: 500 } }),
      ],
    };
    expect(rule("best-fit").score(halfUsed, oneGpu, context)).toBeCloseTo(
      0.5 + (1 - (1 / 4 + 0.5 / 4) / 2) / 2,
      12,
    );
    // Scored against a view it is not in (its leftover over 1 millicore, far past 1): clamped, in range.
    expect(rule("best-fit").score(two, wanted, contextOf([]))).toBe(0.5);
  });

  it("best-fit takes empty hosts alike for a GPU request once 5% of the view's hosts are in use, the largest first before, and for a request for no GPU", () => {
    const big = gpus(host("big", 32, 8192), 8);
    const small = gpus(host("small", 4, 4096), 2);
    const busy = gpus(running("busy", 32, 8000), 8);
    const oneGpu = request({ amounts: amounts({ cpu: 1000, memory: 64 }), gpus: { count: 1, share: 1000 } });
    const cpuOnly = request({ amounts: amounts({ cpu: 1000, memory: 64 }) });
    const score = (each: Host, wanted: ContainerRequest, view: Host[]) =>
      rule("best-fit").score(each, wanted, contextOf(view));
    // 1 host in use of 20: 5%, the share from which a GPU request takes empty hosts in the view's order.
    const spares = Array.from({ length: 17 }, (_, index) => host(`spare${index}`, 2, 1024));
    const fivePercent = [busy, big, small, ...spares];
    expect(inUseShare(fivePercent)).toBe(IN_ORDER_FROM);
    expect(score(big, oneGpu, fivePercent)).toBe(0.25);
    expect(score(small, oneGpu, fivePercent)).toBe(0.25);
    expect(score(busy, oneGpu, fivePercent)).toBeGreaterThanOrEqual(0.5);
    // Below 5% (1 of 21), and for a request for no GPU at 5%, the largest first.
    const below = [...fivePercent, host("one-more", 2, 1024)];
    for (const [wanted, view] of [
      [oneGpu, below],
      [cpuOnly, fivePercent],
    ] as const) {
      expect(score(big, wanted, view)).toBe(rule("binpack").score(big, wanted, contextOf(view)));
      expect(score(big, wanted, view)).toBeGreaterThan(score(small, wanted, view));
    }
  });

  it("a decision counts the share in use over the whole view, once, not over the feasible hosts", () => {
    // The one host in use is full: not feasible, yet it makes 5% of the view's 20 hosts.
    const full = gpus(running("full", 1, 1000), 8);
    const small = gpus(host("small", 4, 4096), 2);
    const big = gpus(host("big", 32, 8192), 8);
    const spares = Array.from({ length: 17 }, (_, index) => gpus(host(`spare${index}`, 2, 1024), 1));
    let scans = 0;
    const view = new Proxy([full, small, big, ...spares], {
      get(target, key, receiver) {
        if (key === Symbol.iterator) scans++;
        return Reflect.get(target, key, receiver);
      },
    });
    const fit: SchedulerType = { type: "fit", description: "best-fit alone", score: { "best-fit": 1 } };
    const oneGpu = request({ amounts: amounts({ cpu: 1000, memory: 64 }), gpus: { count: 1, share: 1000 } });
    const { score } = scoring(fit, oneGpu, { hosts: view, replicas: new ReplicaIndex([]).of(IMAGE) });
    const feasible = [small, big, ...spares];
    expect(score(small)).toBe(0.25);
    const afterOne = scans;
    for (const each of feasible) expect(score(each)).toBe(0.25);
    expect(scans).toBe(afterOne);
    // Alike, the first in the view's order is taken, not the largest; with one more empty host (under
    // 5%), the largest.
    expect(selectHost(feasible, score, { nearBest: 1, random: FIRST_HOST })).toBe(small);
    const more = [...view, gpus(host("more", 2, 1024), 1)];
    const below = scoring(fit, oneGpu, { hosts: more, replicas: new ReplicaIndex([]).of(IMAGE) });
    expect(selectHost(feasible, below.score, { nearBest: 1, random: FIRST_HOST })).toBe(big);
  });

  it("inUseShare is the share of hosts in use, 0 for no hosts", () => {
    expect(inUseShare([])).toBe(0);
    expect(inUseShare([host("empty", 4, 4096)])).toBe(0);
    expect(inUseShare([host("empty", 4, 4096), running("busy", 4, 1000)])).toBe(0.5);
  });

  it("in-use is 1 for a host with anything reserved on it, placements or unmanaged use, and 0 for an empty one", () => {
    const busy = loaded("busy", {}, 1);
    const unmanaged = {
      ...host("unmanaged", 4, 4096),
      ...freeCounters(amounts({ cpu: 4000, memory: 4000 })),
    };
    const empty = host("empty", 4, 4096);
    const context = contextOf([busy, unmanaged, empty]);
    expect([busy, unmanaged, empty].map((each) => rule("in-use").score(each, request(), context))).toEqual([
      1, 1, 0,
    ]);
  });

  it("replicas costs 1/128 per live replica of the same image, and nothing for other images", () => {
    const hosts = [
      loaded("none", {}, 0, 5),
      loaded("two", {}, 2),
      loaded("full", {}, MAX_PLACEMENTS_PER_HOST, 0, 64),
    ];
    const context = contextOf(hosts);
    expect(hosts.map((each) => rule("replicas").score(each, request(), context))).toEqual([
      1,
      1 - 2 / 128,
      0,
    ]);
  });

  it("affinity is the satisfied weights over the sum of |weights|, Nomad's way", () => {
    const affinities = [
      { constraint: constraint("zone==a"), weight: 60 },
      { constraint: constraint("disk==ssd"), weight: 20 },
      { constraint: constraint("tier==spot"), weight: -20 },
    ];
    const wanted = request({ affinities });
    const context = contextOf([]);
    const score = (labels: Record<string, string>) =>
      rule("affinity").score(host("h", 4, 4096, labels), wanted, context);
    expect(score({ zone: "a", disk: "ssd" })).toBe(1 * (80 / 100));
    expect(score({ zone: "a" })).toBe(0.6);
    expect(score({ tier: "spot" })).toBe(-0.2);
    expect(score({})).toBe(0);
    expect(rule("affinity").uses?.(request(), [])).toBe(false);
    expect(rule("affinity").uses?.(wanted, [])).toBe(true);
  });

  describe("spread", () => {
    const zone = (id: string, value: string | undefined, replicas: number) =>
      loaded(id, value === undefined ? {} : { zone: value }, replicas);

    it("evenly over the values seen: (desired - placed) / desired, desired = (placed + 1) / values", () => {
      const hosts = [
        zone("a1", "a", 2),
        zone("a2", "a", 1),
        zone("b1", "b", 0),
        zone("c1", "c", 1),
        zone("x", undefined, 5),
      ];
      // 4 placed in zones (x has no zone), 5 with this one: 5/3 desired each.
      const scores = spreadScores({ label: "zone" }, hosts, new ReplicaIndex(hosts).of(IMAGE));
      expect(scores.get("a")).toBeCloseTo((5 / 3 - 3) / (5 / 3), 12);
      expect(scores.get("b")).toBe(1);
      expect(scores.get("c")).toBeCloseTo((5 / 3 - 1) / (5 / 3), 12);
      const context = contextOf(hosts, { label: "zone" });
      const wanted = request({ spread: { label: "zone" } });
      // A host without the label scores lowest.
      expect(rule("spread").score(hosts[4] as Host, wanted, context)).toBe(-1);
      expect(rule("spread").score(hosts[2] as Host, wanted, context)).toBe(1);
    });

    it("towards targets: named values by their percent, the others sharing what is left, -1 at most below", () => {
      const hosts = [zone("a", "a", 6), zone("b", "b", 1), zone("c", "c", 1), zone("d", "d", 0)];
      const scores = spreadScores(
        { label: "zone", targets: { a: 50, b: 30 } },
        hosts,
        new ReplicaIndex(hosts).of(IMAGE),
      );
      // 8 placed, 9 with this one: a wants 4.5 (has 6), b 2.7 (has 1), c and d share 20%: 1.8 (have 1).
      expect(scores.get("a")).toBeCloseTo((4.5 - 6) / 4.5, 12);
      expect(scores.get("b")).toBeCloseTo((2.7 - 1) / 2.7, 12);
      expect(scores.get("c")).toBeCloseTo((1.8 - 1) / 1.8, 12);
      expect(scores.get("d")).toBe(scores.get("c"));
      const full = spreadScores(
        { label: "zone", targets: { a: 100 } },
        hosts,
        new ReplicaIndex(hosts).of(IMAGE),
      );
      expect(full.get("b")).toBe(-1);
      expect(full.get("a")).toBeCloseTo((9 - 6) / 9, 12);
      const crowded = [zone("a", "a", 20), zone("b", "b", 0), zone("c", "c", 0)];
      const even = spreadScores({ label: "zone" }, crowded, new ReplicaIndex(crowded).of(IMAGE));
      expect(even.get("a")).toBe(-1);
    });

    it("places a run of replicas 50/50 over two zones of unequal size", () => {
      const hosts = [zone("a1", "a", 0), zone("a2", "a", 0), zone("a3", "a", 0), zone("b1", "b", 0)];
      const wanted = request({ spread: { label: "zone", targets: { a: 50, b: 50 } } });
      let view = hosts;
      const random = seededRandom(3);
      for (let n = 0; n < 8; n++) {
        const index = new ReplicaIndex(view);
        const { score } = scoring(scheduler("batch"), wanted, { hosts: view, replicas: index.of(IMAGE) });
        const chosen = selectHost(view, score, { nearBest: 1, random }) as Host;
        view = view.map((each) =>
          each === chosen ? loaded(each.id, each.labels, (index.of(IMAGE).get(each) ?? 0) + 1) : each,
        );
      }
      const counts = new ReplicaIndex(view).of(IMAGE);
      const inZone = (value: string) =>
        view
          .filter((each) => each.labels.zone === value)
          .reduce((sum, each) => sum + (counts.get(each) ?? 0), 0);
      expect([inZone("a"), inZone("b")]).toEqual([4, 4]);
    });
  });
});

describe("scheduler types as weighted rules", () => {
  const hosts = [loaded("a", { zone: "a" }, 1), loaded("b", { zone: "b" }, 0, 10)];
  const view = { hosts, replicas: new ReplicaIndex(hosts).of(IMAGE) };

  it("scores the weighted sum, and breaks it down by rule", () => {
    const type: SchedulerType = { type: "mixed", description: "test", score: { binpack: 2, replicas: 10 } };
    const scored = scoring(type, request(), view);
    for (const each of hosts) {
      const context = contextOf(hosts);
      const parts = {
        binpack: 2 * rule("binpack").score(each, request(), context),
        replicas: 10 * rule("replicas").score(each, request(), context),
      };
      expect(scored.breakdown(each)).toEqual({ score: parts.binpack + parts.replicas, scores: parts });
      expect(scored.score(each)).toBe(scored.breakdown(each).score);
    }
  });

  it(`adds a request's affinities and spread at weight ${REQUEST_RULE_WEIGHT} when the type does not weigh them`, () => {
    const wanted = request({
      affinities: [{ constraint: constraint("zone==b"), weight: 10 }],
      spread: { label: "zone" },
    });
    const scored = scoring(scheduler("batch"), wanted, view);
    expect(scored.weights).toEqual({
      "in-use": 0.03,
      "gpu-fragmentation": 1,
      "best-fit": 0.004,
      "cpu-reserve": 0.5,
      affinity: REQUEST_RULE_WEIGHT,
      spread: REQUEST_RULE_WEIGHT,
    });
    const b = scored.breakdown(hosts[1] as Host);
    expect(b.scores.affinity).toBe(REQUEST_RULE_WEIGHT);
    // b holds none of the one replica: it wants 1 of 2, has 0.
    expect(b.scores.spread).toBe(REQUEST_RULE_WEIGHT);
    expect(scored.breakdown(hosts[0] as Host).scores).toMatchObject({ affinity: 0, spread: 0 });
    // Three rules, one rule weighed other than 1, and none: the score is the breakdown's sum.
    const single: SchedulerType = { type: "single", description: "test", score: { "least-allocated": 3 } };
    for (const [type, wanted2] of [
      [scheduler("batch"), wanted],
      [single, request()],
      [{ ...single, score: { affinity: 1 } }, request()],
    ] as const) {
      const each = scoring(type, wanted2, view);
      for (const one of hosts) expect(each.score(one)).toBe(each.breakdown(one).score);
    }
    expect(scoring(single, request(), view).score(hosts[0] as Host)).toBe(
      3 * rule("least-allocated").score(hosts[0] as Host, request(), contextOf(hosts)),
    );
    // The type's own weight wins over the default.
    const own: SchedulerType = { type: "own", description: "test", score: { binpack: 1, affinity: 3 } };
    expect(scoring(own, wanted, view).weights.affinity).toBe(3);
    // Worked out once per type and set of rules used: each request of one type still gets its own.
    const onlySpread = request({ spread: { label: "zone" } });
    const batch = scheduler("batch").score;
    for (const [one, weights] of [
      [request(), batch],
      [onlySpread, { ...batch, spread: REQUEST_RULE_WEIGHT }],
      [wanted, { ...batch, affinity: REQUEST_RULE_WEIGHT, spread: REQUEST_RULE_WEIGHT }],
      [request(), batch],
    ] as const) {
      const again = scoring(scheduler("batch"), one, view);
      expect(again.weights).toEqual(weights);
      for (const each of hosts) expect(again.score(each)).toBe(again.breakdown(each).score);
    }
  });

  it("leaves out the rules a request does not use (scoring them 0 in the breakdown)", () => {
    const type: SchedulerType = {
      type: "t",
      description: "test",
      score: { binpack: 1, affinity: 5, spread: 5 },
    };
    const scored = scoring(type, request(), view);
    const b = scored.breakdown(hosts[0] as Host);
    expect(b.scores).toEqual({ binpack: b.score, affinity: 0, spread: 0 });
  });

  it("gives requests of a type its default soft rules, unless they bring their own", () => {
    const type: SchedulerType = {
      type: "zonal",
      description: "test",
      score: { "least-allocated": 1 },
      defaults: { spread: { label: "zone" }, affinities: [{ constraint: constraint("zone==a"), weight: 5 }] },
    };
    const defaulted = scoring(type, request(), view);
    expect(defaulted.request.spread).toEqual({ label: "zone" });
    expect(defaulted.weights).toEqual({
      "least-allocated": 1,
      affinity: REQUEST_RULE_WEIGHT,
      spread: REQUEST_RULE_WEIGHT,
    });
    const own = { label: "rack" };
    expect(scoring(type, request({ spread: own }), view).request.spread).toBe(own);
  });
});

describe("service ranks hosts exactly as before rules, batch as packing promises", () => {
  // The scores before score rules: spread (service); batch's packing order on hosts without GPUs (hosts
  // in use first, the least cpu left over, as if full where the request does not fit; then empty hosts,
  // the largest first), stated apart from the rules.
  const before = {
    service: (each: Host, wanted: ContainerRequest, counts: ReadonlyMap<Host, number>) =>
      1 - allocationAfter(each, wanted) - (counts.get(each) ?? 0),
    batch: (each: Host, wanted: ContainerRequest, _: unknown, hosts: readonly Host[]) =>
      each.placements.length > 0
        ? 2 -
          Math.max(0, each.freeCpu - wanted.amounts.cpu) / Math.max(...hosts.map((one) => one.total.cpu ?? 0))
        : 1 -
          (wanted.amounts.cpu / (each.total.cpu ?? 1) + wanted.amounts.memory / (each.total.memory ?? 1)) / 2,
  };

  function randomCluster(random: () => number, size: number): Host[] {
    return Array.from({ length: size }, (_, index) => {
      const cpus = 1 + Math.floor(random() * 16);
      const base = host(`h${index}`, cpus, 1024 * (1 + Math.floor(random() * 32)));
      const placements = Array.from({ length: Math.floor(random() * 6) }, () =>
        placement(
          `h${index}`,
          50 + Math.floor(random() * 400),
          64 + Math.floor(random() * 900),
          random() < 0.4 ? IMAGE : "other:1",
        ),
      );
      return {
        ...base,
        ...freeCounters(placements.reduce((free, one) => added(free, one.amounts, -1), freeOf(base))),
        placements: placements.map(summaryOf),
      };
    });
  }

  it.each(["service", "batch"] as const)(
    "%s: the same order of every pair of hosts, the same best hosts, on 200 random clusters",
    (type) => {
      const random = seededRandom(type.length);
      for (let round = 0; round < 200; round++) {
        const hosts = randomCluster(random, 2 + Math.floor(random() * 40));
        const wanted = request({
          type,
          amounts: amounts({
            cpu: 100 + Math.floor(random() * 900),
            memory: 64 + Math.floor(random() * 512),
          }),
        });
        const counts = new ReplicaIndex(hosts).of(IMAGE);
        const { score } = scoring(scheduler(type), wanted, { hosts, replicas: counts });
        const old = (each: Host) => before[type](each, wanted, counts, hosts);
        // Equal within selectHost's tolerance: batch weighs best-fit 0.004 (behind in-use and GPU
        // fragmentation, which is the same for every host without GPUs), so its differences are small.
        const order = (a: number, b: number) => (Math.abs(a - b) <= 1e-12 ? 0 : Math.sign(a - b));
        const disagreements = hosts.flatMap((a) =>
          hosts.filter((b) => order(score(a), score(b)) !== order(old(a), old(b))).map((b) => [a.id, b.id]),
        );
        expect(disagreements).toEqual([]);
        const best = (scorer: (each: Host) => number) =>
          topHosts(hosts, scorer, 3).map((ranked) => ranked.host.id);
        expect(best(score)).toEqual(best(old));
        const draw = random();
        expect(selectHost(hosts, score, { nearBest: 1, random: () => draw })).toBe(
          selectHost(hosts, old, { nearBest: 1, random: () => draw }),
        );
      }
    },
  );
});
