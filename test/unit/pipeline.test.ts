import { describe, expect, it } from "vitest";
import { parseConstraint } from "../../shared/core/constraints.js";
import { type Host, MAX_PLACEMENTS_PER_HOST } from "../../shared/core/host.js";
import {
  describeReasons,
  feasibleEnough,
  filterHosts,
  NEAR_BEST,
  selectHost,
  topHosts,
} from "../../shared/core/pipeline.js";
import { summaryOf } from "../../shared/core/placement.js";
import { ReplicaIndex } from "../../shared/core/replica-index.js";
import type { ContainerRequest } from "../../shared/core/request.js";
import { added, amounts, freeCounters, freeOf } from "../../shared/core/resources.js";
import { scoring } from "../../shared/core/scoring.js";
import { host, placement, scheduler } from "../support/fixtures.js";

function request(overrides: Partial<ContainerRequest> = {}): ContainerRequest {
  return {
    image: "redis:7",
    amounts: amounts({ cpu: 500, memory: 512 }),
    type: "service",
    constraints: [],
    labels: {},
    ...overrides,
  };
}

/** A host with some of its capacity already reserved by placements of `image`. */
function loaded(
  id: string,
  cpus: number,
  memory: number,
  reserved: [number, number][],
  image = "other:1",
): Host {
  const base = host(id, cpus, memory, { zone: id.endsWith("a") ? "a" : "b" });
  const placements = reserved.map(([cpu, mem]) => placement(id, cpu, mem, image));
  return {
    ...base,
    ...freeCounters(
      reserved.reduce((free, [cpu, memory]) => added(free, amounts({ cpu, memory }), -1), freeOf(base)),
    ),
    placements: placements.map(summaryOf),
  };
}

/** `host` with its total of `resource` unknown. */
function unknown(host: Host, resource: "cpu" | "memory"): Host {
  return { ...host, total: { ...host.total, [resource]: null } };
}

/** How a type scores the test request on `hosts` (the view: the hosts and the image's replicas). */
const scoreOf = (type: string, hosts: Host[]) =>
  scoring(scheduler(type), request(), { hosts, replicas: new ReplicaIndex(hosts).of("redis:7") }).score;
const first = () => 0;

describe("filter", () => {
  it("keeps hosts that are ready, known, fit, and meet constraints, and counts why others do not", () => {
    const hosts = [
      loaded("fit-a", 4, 4096, []),
      loaded("cpu-a", 1, 4096, [[800, 0]]),
      loaded("mem-a", 4, 1024, [[0, 800]]),
      // Short of both: reported under the first check it fails, cpu.
      loaded("both-a", 1, 1024, [[800, 800]]),
      { ...loaded("drain-a", 4, 4096, []), status: "draining" as const },
      { ...loaded("down-a", 4, 4096, []), status: "down" as const },
      unknown(loaded("blank-a", 4, 4096, []), "cpu"),
      unknown(loaded("no-memory-a", 4, 4096, []), "memory"),
      {
        ...loaded("full-a", 64, 65_536, []),
        placements: Array.from({ length: MAX_PLACEMENTS_PER_HOST }, () =>
          summaryOf(placement("full-a", 1, 1)),
        ),
      },
      loaded("zone-b", 4, 4096, []),
    ];
    const zoneA = { key: "zone", operator: "==" as const, value: "a", text: "zone==a" };
    const { feasible, reasons } = filterHosts(hosts, request({ constraints: [zoneA] }));
    expect(feasible.map((kept) => kept.id)).toEqual(["fit-a"]);
    expect(reasons).toEqual({
      "insufficient cpu": 2,
      "insufficient memory": 1,
      "host draining": 1,
      "host down": 1,
      "capacity unknown": 2,
      "placement limit reached": 1,
      "constraint zone==a not met": 1,
    });
  });

  it("keeps the hosts that meet =~, in, not in and host== constraints, naming each that fails", () => {
    const hosts = [
      host("h1", 4, 4096, { zone: "eu-west" }),
      host("h2", 4, 4096, { zone: "eu-north" }),
      host("h3", 4, 4096, { zone: "us-east" }),
      host("h4", 4, 4096),
    ];
    const kept = (...texts: string[]) => {
      const constraints = texts.map((text) => parseConstraint(text)).filter((c) => typeof c !== "string");
      const { feasible, reasons } = filterHosts(hosts, request({ constraints }));
      return [feasible.map((h) => h.id), reasons];
    };
    expect(kept("zone=~eu-.*")).toEqual([["h1", "h2"], { "constraint zone=~eu-.* not met": 2 }]);
    expect(kept("zone in (eu-north, us-east)")).toEqual([
      ["h2", "h3"],
      { "constraint zone in (eu-north,us-east) not met": 2 },
    ]);
    expect(kept("zone not in (eu-west)")).toEqual([
      ["h2", "h3", "h4"],
      { "constraint zone not in (eu-west) not met": 1 },
    ]);
    expect(kept("host==h3")).toEqual([["h3"], { "constraint host==h3 not met": 3 }]);
    // Every constraint must hold: a host is counted under the first it fails.
    expect(kept("zone=~eu-.*", "host!=h1")).toEqual([
      ["h2"],
      { "constraint zone=~eu-.* not met": 2, "constraint host!=h1 not met": 1 },
    ]);
  });

  it("with distinct hosts, skips the hosts that run a live placement of the same image", () => {
    const hosts = [
      loaded("redis", 4, 4096, [[100, 100]], "redis:7"),
      loaded("other", 4, 4096, [[100, 100]], "redis:8"),
      loaded("empty", 4, 4096, []),
      loaded(
        "both",
        4,
        4096,
        [
          [100, 100],
          [100, 100],
        ],
        "redis:7",
      ),
    ];
    expect(filterHosts(hosts, request()).feasible).toHaveLength(4);
    const { feasible, reasons } = filterHosts(hosts, request({ distinctHosts: true }));
    expect([feasible.map((h) => h.id), reasons]).toEqual([
      ["other", "empty"],
      { "image already on host (distinct_hosts)": 2 },
    ]);
    // What was asked for comes first: a host that runs the image and is full says the image.
    const full = loaded("full", 1, 4096, [[1000, 100]], "redis:7");
    expect(filterHosts([full], request({ distinctHosts: true })).reasons).toEqual({
      "image already on host (distinct_hosts)": 1,
    });
  });

  it("skips the hosts where a run-mode container failed to start, and says so", () => {
    const hosts = [host("a", 4, 4096), host("b", 4, 4096)];
    const { feasible, reasons } = filterHosts(hosts, request({ avoidHosts: new Set(["a"]) }));
    expect([feasible.map((h) => h.id), reasons]).toEqual([["b"], { "container failed to start here": 1 }]);
  });

  it("reports the reasons in kube-scheduler's words", () => {
    expect(describeReasons(5, { "insufficient memory": 1, "insufficient cpu": 3 })).toBe(
      "0/5 hosts are available: 3 insufficient cpu, 1 insufficient memory.",
    );
    expect(describeReasons(0, {})).toBe("0/0 hosts are available.");
  });
});

describe("score and select", () => {
  const hosts = [
    loaded("empty", 4, 4096, []),
    loaded("half", 4, 4096, [[2000, 2048]]),
    loaded("most", 4, 4096, [[3000, 3000]]),
  ];

  it("service spreads onto the least allocated host", () => {
    const chosen = selectHost(hosts, scoreOf("service", hosts), { nearBest: 1, random: first });
    expect(chosen?.id).toBe("empty");
  });

  it("batch packs onto the most allocated host that fits", () => {
    const chosen = selectHost(hosts, scoreOf("batch", hosts), { nearBest: 1, random: first });
    expect(chosen?.id).toBe("most");
  });

  it("service puts replicas of one image on distinct hosts before filling any host twice", () => {
    const withReplica = [
      loaded("empty-but-replica", 4, 4096, [[100, 100]], "redis:7"),
      loaded("busy", 4, 4096, [[3000, 3000]]),
    ];
    const chosen = selectHost(withReplica, scoreOf("service", withReplica), { nearBest: 1, random: first });
    expect(chosen?.id).toBe("busy");
  });

  it("breaks exact ties at random, never by position alone", () => {
    const equal = [loaded("a", 4, 4096, []), loaded("b", 4, 4096, []), loaded("c", 4, 4096, [[100, 100]])];
    const score = scoreOf("service", equal);
    const picks = new Set(
      [0, 0.6].map((draw) => selectHost(equal, score, { nearBest: 1, random: () => draw })?.id),
    );
    expect(picks).toEqual(new Set(["a", "b"]));
  });

  it(`after a conflict chooses among the ${NEAR_BEST} best hosts`, () => {
    const many = Array.from({ length: 10 }, (_, index) =>
      loaded(`h${index}`, 10, 10_000, [[index * 500, index * 500]]),
    );
    const score = scoreOf("batch", many);
    const top = topHosts(many, score, NEAR_BEST).map((ranked) => ranked.host.id);
    expect(top).toEqual(["h9", "h8", "h7"]);
    // Whatever order the hosts come in.
    const shuffled = [5, 9, 0, 7, 2, 8, 1, 6, 3, 4].map((index) => many[index] as Host);
    for (const order of [[...many].reverse(), shuffled]) {
      const ranked = topHosts(order, score, NEAR_BEST);
      expect(ranked.map((one) => one.host.id)).toEqual(["h9", "h8", "h7"]);
    }
    const draws = [0, 0.4, 0.99].map(
      (draw) => selectHost(many, score, { nearBest: NEAR_BEST, random: () => draw })?.id,
    );
    expect(draws).toEqual(["h9", "h8", "h7"]);
  });

  it("selects nothing from no feasible host, first try or retry", () => {
    for (const nearBest of [1, NEAR_BEST]) {
      expect(selectHost([], scoreOf("service", []), { nearBest, random: first })).toBeUndefined();
    }
  });
});

describe("sampling large clusters", () => {
  const many = Array.from({ length: 1000 }, (_, index) => loaded(`h${index}`, 4, 4096, []));

  it("stops once enough hosts are feasible, starting at a random host", () => {
    const { feasible } = filterHosts(many, request(), { limit: 100, random: () => 0.5 });
    expect(feasible).toHaveLength(100);
    expect(feasible[0]?.id).toBe("h500");
  });

  it("wraps around past the last host to the first, each host once", () => {
    const { feasible } = filterHosts(many, request(), { limit: 100, random: () => 0.95 });
    expect(feasible.map((host) => host.id)).toEqual([
      ...Array.from({ length: 50 }, (_, index) => `h${950 + index}`),
      ...Array.from({ length: 50 }, (_, index) => `h${index}`),
    ]);
    const all = filterHosts(many, request(), { limit: 5000, random: () => 0.999 }).feasible;
    expect([all.length, new Set(all).size, all[0]?.id, all[1]?.id]).toEqual([1000, 1000, "h999", "h0"]);
  });

  it("sees every host when fewer are feasible, so an empty answer is complete", () => {
    const { feasible, reasons } = filterHosts(
      many,
      request({ amounts: amounts({ cpu: 5000, memory: 512 }) }),
      {
        limit: 100,
        random: () => 0.3,
      },
    );
    expect(feasible).toEqual([]);
    expect(reasons).toEqual({ "insufficient cpu": 1000 });
  });

  it("scores a share that falls with the cluster's size, never below 100 hosts", () => {
    expect([100, 1523, 5000, 10_000].map(feasibleEnough)).toEqual([100, 576, 500, 500]);
  });
});
