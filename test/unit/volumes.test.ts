import { describe, expect, it } from "vitest";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { rankCandidates } from "../../shared/core/candidates.js";
import type { Host } from "../../shared/core/host.js";
import { observe } from "../../shared/core/observe.js";
import { filterHosts } from "../../shared/core/pipeline.js";
import { type PlaceInput, place } from "../../shared/core/place.js";
import { summaryOf } from "../../shared/core/placement.js";
import { type ContainerRequest, parseContainerRequest, sentContainer } from "../../shared/core/request.js";
import { amounts } from "../../shared/core/resources.js";
import { HostSnapshot, SLICE_HOSTS } from "../../shared/core/snapshot.js";
import {
  holdsVolume,
  keptVolumes,
  MAX_HOST_VOLUME_CHARACTERS,
  MAX_HOST_VOLUMES,
  MAX_VOLUMES,
  type VolumeMount,
  volumesHeld,
  volumesReason,
} from "../../shared/core/volumes.js";
import { host, NOW, placement, scheduler } from "../support/fixtures.js";

const seed = { image: "postgres:16", cpus: 1, memory: 512, type: "service" };
const pgdata = { name: "pgdata", path: "/var/lib/postgresql/data" };

/** The paths of the issues parsing `volumes` raises (none: it parsed). */
function issues(volumes: unknown): string[] {
  const parsed = parseContainerRequest({ ...seed, volumes });
  return parsed.ok ? [] : parsed.issues.map((issue) => issue.path);
}

describe("a request's volumes", () => {
  it("parses them with create false unless given, and echoes them as parsed", () => {
    const body = { ...seed, volumes: [pgdata, { name: "cache.v2", path: "/cache", create: true }] };
    const parsed = parseContainerRequest(body);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const mounts = [
      { ...pgdata, create: false },
      { name: "cache.v2", path: "/cache", create: true },
    ];
    expect(parsed.value.volumes).toEqual(mounts);
    expect(sentContainer(body, parsed.value)).toEqual({ ...seed, volumes: mounts });
    // None asked: none kept; an empty list is echoed as sent.
    const none = parseContainerRequest({ ...seed, volumes: [] });
    expect(none.ok && none.value.volumes).toBeUndefined();
    expect(none.ok && sentContainer({ ...seed, volumes: [] }, none.value)).toEqual({ ...seed, volumes: [] });
  });

  it.each([
    [[{ ...pgdata, name: "-pg" }], "volumes.0.name"],
    [[{ ...pgdata, name: "pg data" }], "volumes.0.name"],
    [[{ ...pgdata, name: "pg/data" }], "volumes.0.name"],
    [[{ ...pgdata, name: "" }], "volumes.0.name"],
    [[{ ...pgdata, name: "p".repeat(65) }], "volumes.0.name"],
    [[{ ...pgdata, name: 5 }], "volumes.0.name"],
    [[{ ...pgdata, path: "data" }], "volumes.0.path"],
    [[{ ...pgdata, path: "/" }], "volumes.0.path"],
    [[{ ...pgdata, path: "/data/../etc" }], "volumes.0.path"],
    [[{ ...pgdata, path: "/data/./x" }], "volumes.0.path"],
    [[{ ...pgdata, path: "/data//x" }], "volumes.0.path"],
    [[{ ...pgdata, path: "/data/" }], "volumes.0.path"],
    [[{ ...pgdata, path: "/da\nta" }], "volumes.0.path"],
    [[{ ...pgdata, path: `/${"d".repeat(255)}` }], "volumes.0.path"],
    [[{ ...pgdata, create: "yes" }], "volumes.0.create"],
    [[{ ...pgdata, readonly: true }], "volumes.0"],
    [[{ name: "pgdata" }], "volumes.0.path"],
    [[pgdata, { name: "other", path: pgdata.path }], "volumes.1.path"],
    [Array.from({ length: MAX_VOLUMES + 1 }, (_, at) => ({ name: `v${at}`, path: `/v${at}` })), "volumes"],
    [{ pgdata: "/data" }, "volumes"],
  ])("refuses %j, naming %s", (volumes, path) => {
    expect(issues(volumes)).toEqual([path]);
  });

  it(`takes ${MAX_VOLUMES} volumes, and one volume mounted at two paths`, () => {
    const many = Array.from({ length: MAX_VOLUMES }, (_, at) => ({ name: `v${at}`, path: `/v/${at}` }));
    expect(issues(many)).toEqual([]);
    expect(issues([pgdata, { ...pgdata, path: "/backup" }])).toEqual([]);
  });
});

describe("a host's volumes, as the refresh keeps them", () => {
  it("keeps the named ones, sorted, without duplicates; anonymous and malformed ones left out", () => {
    const anonymous = "0123456789abcdef".repeat(4);
    expect(keptVolumes(["web", anonymous, "db", "db", "bad name", "-x", "p".repeat(65)])).toEqual([
      "db",
      "web",
    ]);
  });

  it(`keeps at most ${MAX_HOST_VOLUMES}, the first by name`, () => {
    const names = Array.from({ length: MAX_HOST_VOLUMES + 20 }, (_, at) => `v${String(at).padStart(3, "0")}`);
    const kept = keptVolumes(names.reverse());
    expect(kept).toHaveLength(MAX_HOST_VOLUMES);
    expect([kept[0], kept.at(-1)]).toEqual(["v000", `v0${MAX_HOST_VOLUMES - 1}`]);
  });

  it(`keeps at most ${MAX_HOST_VOLUME_CHARACTERS} characters of names, the first by name`, () => {
    const names = Array.from({ length: 40 }, (_, at) => `${String(at).padStart(2, "0")}${"v".repeat(62)}`);
    const kept = keptVolumes(names);
    expect(kept).toEqual(names.slice(0, MAX_HOST_VOLUME_CHARACTERS / 64));
  });

  it("come from the probe's report, and a change of them is a change of the host", () => {
    const before = host("h", 4, 4096);
    const report = { id: "E", version: "26.1", cpuMilli: 4000, memory: 4096, containers: [] };
    const probe = { ok: true as const, report: { ...report, volumes: ["web", "db", "a".repeat(64)] } };
    const settings = { downAfter: 3, graceMs: 60_000, timeoutMs: 1000, concurrency: 1 };
    expect(observe(before, probe, settings, NOW).changes.volumes).toEqual(["db", "web"]);
  });
});

/** A request for 1 CPU mounting `volumes`. */
function request(volumes: VolumeMount[], extra: Partial<ContainerRequest> = {}): ContainerRequest {
  return {
    image: "postgres:16",
    amounts: amounts({ cpu: 1000, memory: 512 }),
    type: "service",
    constraints: [],
    labels: {},
    volumes,
    ...extra,
  };
}

const mount = (name: string, create = false): VolumeMount => ({ name, path: `/${name}`, create });

/** A host of 4 CPUs holding `volumes`. */
function holding(id: string, volumes: string[]): Host {
  return { ...host(id, 4, 4096), volumes };
}

describe("the volume rule", () => {
  const hosts = [holding("a", ["pgdata", "shared"]), holding("b", ["shared"]), holding("c", [])];
  /** The rule on every host, the held volumes read off all of them, as a decision makes it. */
  const decide = (volumes: VolumeMount[]) => {
    const asked = request(volumes);
    return filterHosts(hosts, { ...asked, volumesHeld: volumesHeld(hosts, volumes) });
  };
  const feasibleIds = (volumes: VolumeMount[]) => decide(volumes).feasible.map((one) => one.id);

  it("sends the container to the host that holds each volume", () => {
    expect(feasibleIds([mount("pgdata")])).toEqual(["a"]);
    expect(feasibleIds([mount("shared")])).toEqual(["a", "b"]);
    expect(feasibleIds([mount("pgdata"), mount("shared")])).toEqual(["a"]);
    expect(decide([mount("pgdata")]).reasons).toEqual({ "volume pgdata on another host": 2 });
    // Created only where no host holds it: never on another host than the one that does.
    expect(feasibleIds([mount("pgdata", true)])).toEqual(["a"]);
  });

  it("creates a volume no host holds where the container lands, only when asked to", () => {
    expect(feasibleIds([mount("cache", true)])).toEqual(["a", "b", "c"]);
    expect(feasibleIds([mount("pgdata"), mount("cache", true)])).toEqual(["a"]);
    expect(decide([mount("cache")]).reasons).toEqual({
      "volume cache on no host (create: true would create it)": 3,
    });
  });

  it("answers unschedulable when no host holds them all", () => {
    const hostsOf = [holding("a", ["x"]), holding("b", ["y"])];
    const both = request([mount("x"), mount("y")]);
    const { feasible, reasons } = filterHosts(hostsOf, {
      ...both,
      volumesHeld: volumesHeld(hostsOf, both.volumes ?? []),
    });
    expect(feasible).toEqual([]);
    expect(reasons).toEqual({ "volume y on another host": 1, "volume x on another host": 1 });
  });

  it("counts a volume a live placement creates as held by its host before the refresh sees it", () => {
    const created = { ...placement("c", 1000, 512), volumes: [mount("cache", true), mount("shared")] };
    const withPlacement = { ...holding("c", []), placements: [summaryOf(created)] };
    expect(summaryOf(created).volumes).toEqual(["cache"]);
    expect(holdsVolume(withPlacement, "cache")).toBe(true);
    expect(holdsVolume(withPlacement, "shared")).toBe(false);
    const all = [hosts[0] as Host, hosts[1] as Host, withPlacement];
    expect(volumesHeld(all, [mount("cache"), mount("nowhere")])).toEqual(new Set(["cache"]));
  });

  it("creates nothing when the decision did not read which volumes the cluster holds", () => {
    expect(volumesReason(holding("c", []), [mount("cache", true)], undefined)).toBe(
      "volume cache on another host",
    );
    expect(volumesReason(holding("a", ["cache"]), [mount("cache", true)], undefined)).toBeUndefined();
  });

  it("names the volume rule in a candidates answer's infeasible hosts", () => {
    const ranked = rankCandidates(hosts, request([mount("pgdata", true)]), scheduler("service"), 10);
    expect(ranked.candidates.map(({ host: one }) => one.id)).toEqual(["a"]);
    expect(ranked.infeasible).toEqual({ "volume pgdata on another host": 2 });
  });
});

describe("placing a request that names volumes", () => {
  const input = (volumes: VolumeMount[]): PlaceInput => ({
    request: request(volumes),
    container: { ...seed, volumes },
    fingerprint: crypto.randomUUID(),
    deliveryId: crypto.randomUUID(),
  });

  /** A sliced cluster (each request finds the view stale) whose one host `holder` holds `pgdata`. */
  async function cluster() {
    const registry = new MemoryRegistry();
    const count = SLICE_HOSTS * 4;
    for (let at = 0; at < count; at++) await registry.addHost(host(`h${at}`, 4, 4096));
    // A host outside the slice a random 0 reads once the cluster's size is known (one in four).
    const inSlice = new Set((await registry.sliceHosts(0, 4)).map((one) => one.id));
    const holder = (await registry.listHosts()).find((one) => !inSlice.has(one.id))?.id ?? "";
    await registry.changeHost(holder, { volumes: ["pgdata"], observed: true }, NOW);
    let ticks = 0;
    const snapshot = new HostSnapshot(
      registry,
      0,
      () => ticks++,
      () => 0,
    );
    const deps = {
      registry,
      snapshot,
      maxAttempts: 5,
      now: () => NOW,
      random: () => 0,
      sleep: async () => {},
    };
    return { registry, snapshot, deps, holder };
  }

  it("decides on a whole view, so a volume outside the slice is found, never created elsewhere", async () => {
    const { deps, snapshot, holder } = await cluster();
    // Without volumes, the view is one slice (once the first read told the cluster's size), without the holder.
    await place(scheduler("batch"), { ...input([]), request: request([], { volumes: undefined }) }, deps);
    const plain = await place(
      scheduler("batch"),
      { ...input([]), request: request([], { volumes: undefined }) },
      deps,
    );
    expect(plain.kind).toBe("placed");
    expect(snapshot.isWhole()).toBe(false);
    for (const create of [false, true]) {
      const placed = await place(scheduler("batch"), input([mount("pgdata", create)]), deps);
      expect(placed.kind === "placed" && placed.host?.id).toBe(holder);
      expect(placed.kind === "placed" && placed.answer.placement).toMatchObject({
        volumes: [mount("pgdata", create)],
      });
    }
  });

  it("places a second request for a volume the first created on the first's host", async () => {
    const { deps } = await cluster();
    const first = await place(scheduler("service"), input([mount("fresh", true)]), deps);
    if (first.kind !== "placed") throw new Error(first.kind);
    for (const create of [true, false]) {
      const next = await place(scheduler("service"), input([mount("fresh", create)]), deps);
      expect(next.kind === "placed" && next.host?.id).toBe(first.host?.id);
    }
    const nowhere = await place(scheduler("service"), input([mount("other")]), deps);
    expect(nowhere.kind).toBe("unschedulable");
    expect(nowhere.kind === "unschedulable" && nowhere.answer.message).toBe(
      `0/${SLICE_HOSTS * 4} hosts are available: ${SLICE_HOSTS * 4} volume other on no host (create: true would create it).`,
    );
  });
});
