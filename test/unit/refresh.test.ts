import { describe, expect, it } from "vitest";
import { MemoryProfileStore } from "../../shared/adapters/memory-profiles.js";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { mapConcurrently, withTimeout } from "../../shared/core/concurrency.js";
import {
  type ContainerReport,
  EngineError,
  type EngineReport,
  type Engines,
} from "../../shared/core/engine.js";
import { HOST_EVENTS_KEPT, type Host } from "../../shared/core/host.js";
import { changedHost } from "../../shared/core/host-changes.js";
import { hostView } from "../../shared/core/host-view.js";
import { observe, type RefreshSettings } from "../../shared/core/observe.js";
import { type Placement, summaryOf } from "../../shared/core/placement.js";
import type { ProfileStore } from "../../shared/core/profile.js";
import {
  RESULTS_RESERVE_MS,
  type RefreshDependencies,
  refreshCluster,
  SHORTEST_PROBE_MS,
  SWEEP_EVERY_ROUNDS,
} from "../../shared/core/refresh.js";
import { RegistryUnavailableError } from "../../shared/core/registry.js";
import { amounts, capacity, freeCounters } from "../../shared/core/resources.js";
import { host, NOW, placement } from "../support/fixtures.js";

const SETTINGS: RefreshSettings = { downAfter: 3, graceMs: 60_000, timeoutMs: 1000, concurrency: 4 };
const LATER = new Date(NOW.getTime() + 120_000);

function report(containers: ContainerReport[] = []): EngineReport {
  return { id: "ENGINE:1", version: "20.10.24", cpuMilli: 8000, memory: 16384, containers, volumes: [] };
}

function container(extra: Partial<ContainerReport>): ContainerReport {
  return {
    id: "c".repeat(64),
    image: "redis:7",
    state: "running",
    exitCode: 0,
    placementId: undefined,
    ports: [],
    limits: { cpuMilli: 0, memory: 0 },
    usage: { cpuMilli: 100, memory: 50 },
    ...extra,
  };
}

/** A host as a sequence of refreshes leaves it. */
function apply(start: Host, probes: Parameters<typeof observe>[1][], now = NOW): Host {
  return probes.reduce((current, probe) => {
    const next = changedHost(current, observe(current, probe, SETTINGS, now).changes, now);
    if (!next) throw new Error("an observed change is never refused");
    return next;
  }, start);
}

describe("observe: health", () => {
  it("marks a ready host down at the K-th consecutive failed probe, and ready when it answers", () => {
    const failed = { ok: false as const, error: "connect ECONNREFUSED" };
    const twice = apply(host("h", 4, 4096), [failed, failed]);
    expect([twice.status, twice.health.failures]).toEqual(["ready", 2]);
    const down = apply(twice, [failed]);
    expect([down.status, down.statusReason]).toEqual([
      "down",
      "no answer from its Docker engine in 3 probes: connect ECONNREFUSED",
    ]);
    const back = apply(down, [{ ok: true, report: report() }]);
    expect([back.status, back.statusReason, back.health.failures]).toEqual([
      "ready",
      "its Docker engine answers again",
      0,
    ]);
    expect(back.events.map((event) => event.action)).toEqual(
      expect.arrayContaining(["status down", "status ready"]),
    );
  });

  it("a success between failures starts the count again; a draining host stays draining", () => {
    const failed = { ok: false as const, error: "timeout" };
    const ok = { ok: true as const, report: report() };
    expect(apply(host("h", 4, 4096), [failed, failed, ok, failed, failed]).status).toBe("ready");
    const draining = { ...host("h", 4, 4096), status: "draining" as const };
    expect(apply(draining, [failed, failed, failed, failed]).status).toBe("draining");
    // Answering again brings a down host back, never a host an operator drains.
    const answered = apply(draining, [failed, ok]);
    expect([answered.status, answered.statusReason, answered.health.failures]).toEqual([
      "draining",
      draining.statusReason,
      0,
    ]);
  });
});

describe("observe: capacity", () => {
  it("fills unknown totals from the engine and keeps declared ones", () => {
    const unknown = {
      ...host("h", 4, 4096),
      total: capacity(),
      declared: capacity(),
      ...freeCounters(amounts()),
    };
    const detected = apply(unknown, [{ ok: true, report: report() }]);
    expect([detected.total.cpu, detected.total.memory, detected.freeCpu]).toEqual([8000, 16384, 8000]);
    const declared = apply(host("h", 4, 4096), [{ ok: true, report: report() }]);
    expect([declared.total.cpu, declared.total.memory, declared.engine?.cpuMilli]).toEqual([
      4000, 4096, 8000,
    ]);
  });

  it("takes the host ports running unmanaged containers publish, and gives them back when they stop", () => {
    const start = host("h", 4, 4096);
    const mine = {
      ...placement("h", 100, 64),
      ports: [{ container: 80, host: 8080, protocol: "tcp" as const }],
    };
    const withPlacement = { ...start, placements: [summaryOf(mine)] };
    const after = apply(withPlacement, [
      {
        ok: true,
        report: report([
          // Citadel's own container publishes its placement's port: not unmanaged.
          container({ placementId: mine.id, ports: ["8080/tcp"] }),
          container({ ports: ["53/udp", "9000/tcp"] }),
          container({ ports: ["9000/tcp"] }),
          container({ state: "exited", ports: ["7000/tcp"] }),
        ]),
      },
    ]);
    expect(after.unmanagedPorts).toEqual(["53/udp", "9000/tcp"]);
    expect(hostView(after).taken_ports).toEqual(["53/udp", "8080/tcp", "9000/tcp"]);
    const stopped = apply(after, [{ ok: true, report: report([container({ placementId: mine.id })]) }]);
    expect(stopped.unmanagedPorts).toEqual([]);
  });

  it("counts unmanaged containers by their limits, else their use, without touching reservations", () => {
    const start = host("h", 4, 4096);
    const live = placement("h", 1000, 1024);
    const withPlacement = {
      ...start,
      placements: [summaryOf(live)],
      ...freeCounters(amounts({ cpu: 3000, memory: 3072 })),
    };
    const after = apply(withPlacement, [
      {
        ok: true,
        report: report([
          container({ placementId: live.id, usage: { cpuMilli: 300, memory: 200 } }),
          container({ limits: { cpuMilli: 1500, memory: 512 } }),
          container({ usage: { cpuMilli: 250, memory: 100 } }),
          container({ state: "exited", limits: { cpuMilli: 2000, memory: 2000 } }),
          container({ placementId: "gone.abcdefgh1234" }),
        ]),
      },
    ]);
    expect(after.engine?.unmanaged).toEqual({ containers: 3, cpuMilli: 1850, memory: 662 });
    expect(after.engine?.used).toEqual({ cpuMilli: 300, memory: 200 });
    expect([after.freeCpu, after.freeMemory]).toEqual([3000 - 1850, 3072 - 662]);
    expect(after.placements).toHaveLength(1);
    // The view tells Citadel's reservations from the engine's other use.
    expect(hostView(after)).toMatchObject({
      reserved_cpus: 1,
      reserved_memory: 1024,
      engine: { unmanaged_containers: 3, unmanaged_cpus: 1.85, unmanaged_memory: 662 },
    });
    // Less unmanaged use gives the capacity back.
    const cleared = apply(after, [{ ok: true, report: report([container({ placementId: live.id })]) }]);
    expect([cleared.freeCpu, cleared.freeMemory]).toEqual([3000, 3072]);
  });

  it("may leave the free counters below zero when the host says so (nothing fits then)", () => {
    const full = apply(host("h", 1, 1024), [
      { ok: true, report: report([container({ limits: { cpuMilli: 2000, memory: 256 } })]) },
    ]);
    expect(full.freeCpu).toBe(-1000);
  });
});

describe("observe: reconciliation", () => {
  const start = host("h", 4, 4096);
  const young = { ...placement("h", 500, 512), createdAt: new Date(LATER.getTime() - 1000).toISOString() };
  const old = placement("h", 500, 512);
  const withBoth = {
    ...start,
    placements: [old, young].map(summaryOf),
    ...freeCounters(amounts({ cpu: 3000, memory: 3072 })),
  };

  it("releases a placement without a container after the grace period, not before", () => {
    const { releases, changes } = observe(withBoth, { ok: true, report: report() }, SETTINGS, LATER);
    expect(releases).toEqual([old.id]);
    expect(changes.events?.map((event) => event.detail)).toContain(`${old.id}: no container ran within 60 s`);
  });

  it("releases a placement whose container exited, keeps one whose container runs or restarts", () => {
    const probe = {
      ok: true as const,
      report: report([
        container({ placementId: old.id, state: "exited", exitCode: 137 }),
        container({ placementId: young.id, state: "restarting" }),
      ]),
    };
    const { releases, changes } = observe(withBoth, probe, SETTINGS, LATER);
    expect(releases).toEqual([old.id]);
    expect(changes.events?.at(-1)?.detail).toBe(`${old.id}: container cccccccccccc exited (exit code 137)`);
  });

  it("samples the use of Citadel's running containers for their image's profile", () => {
    const probe = {
      ok: true as const,
      report: report([container({ placementId: old.id, usage: { cpuMilli: 420, memory: 300 } })]),
    };
    expect(observe(withBoth, probe, SETTINGS, NOW).samples).toEqual([
      { image: "redis:7", requested: { cpuMilli: 500, memory: 512 }, used: { cpuMilli: 420, memory: 300 } },
    ]);
  });
});

describe("host events", () => {
  it(`keeps the last ${HOST_EVENTS_KEPT}, newest last (they live in the host's item)`, () => {
    const events = Array.from({ length: 25 }, (_, i) => ({
      at: NOW.toISOString(),
      action: "released",
      detail: `p${i}`,
    }));
    const changed = changedHost(host("h", 1, 1024), { events, observed: true }, NOW);
    expect(changed?.events.map((event) => event.detail)).toEqual(
      events.slice(-HOST_EVENTS_KEPT).map((e) => e.detail),
    );
  });
});

describe("refreshCluster", () => {
  it("adds the samples of every host to an image's profile in one write per refresh", async () => {
    const registry = new MemoryRegistry();
    const hosts = [host("h1", 4, 4096), host("h2", 4, 4096)];
    const live = hosts.map((each) => placement(each.id, 500, 512));
    for (const [index, each] of hosts.entries()) {
      await registry.addHost(each);
      await registry.commit({ placement: live[index] as Placement });
    }
    // Engines as a port: each host runs its placement's container (the real ones are in test/docker).
    const engines: Engines = {
      read: async (of) => ({
        ...report([
          container({
            placementId: live.find((p) => p.hostId === of.id)?.id,
            usage: { cpuMilli: 400, memory: 300 },
          }),
        ]),
        id: `ENGINE:${of.id}`,
      }),
      run: async () => Promise.reject(new Error("not used")),
      find: async () => Promise.reject(new Error("not used")),
    };
    const stored = new MemoryProfileStore();
    const writes: number[] = [];
    const profiles: ProfileStore = {
      record: async (image, samples, now) => {
        writes.push(samples.length);
        await stored.record(image, samples, now);
      },
      get: (image) => stored.get(image),
    };
    const result = await refreshCluster({ registry, engines, profiles, settings: SETTINGS, now: () => NOW });
    expect([result.hosts, result.answered, writes]).toEqual([2, 2, [2]]);
    expect((await stored.get("redis:7"))?.samples).toBe(2);
  });
});

/** Engines that each host reads with `answer(host)`, recording the order of the reads. */
function fakeEngines(answer: (of: Host) => Promise<EngineReport>): Engines & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read: async (of) => {
      reads.push(of.id);
      return answer(of);
    },
    run: async () => Promise.reject(new Error("not used")),
    find: async () => Promise.reject(new Error("not used")),
  };
}

async function registryOf(...hosts: Host[]): Promise<MemoryRegistry> {
  const registry = new MemoryRegistry();
  for (const each of hosts) await registry.addHost(each);
  return registry;
}

function deps(
  registry: RefreshDependencies["registry"],
  engines: Engines,
  extra: Partial<RefreshDependencies> = {},
) {
  return {
    registry,
    engines,
    profiles: new MemoryProfileStore(),
    settings: SETTINGS,
    now: () => NOW,
    ...extra,
  };
}

describe("refreshCluster: sweeping what failed commits left", () => {
  it(`sweeps a host in one round in ${SWEEP_EVERY_ROUNDS}, at random, after its write`, async () => {
    const store = await registryOf(host("h1", 4, 4096), host("h2", 4, 4096));
    const swept: [string, number, string | undefined][] = [];
    const registry = Object.assign(Object.create(store) as MemoryRegistry, {
      sweep: async (sweptHost: Host) => {
        swept.push([sweptHost.id, sweptHost.version, sweptHost.engine?.observedAt]);
        return 0;
      },
    });
    const engines = fakeEngines(async (of) => ({ ...report(), id: `E:${of.id}` }));
    await refreshCluster(deps(registry, engines, { random: () => 1 / SWEEP_EVERY_ROUNDS }));
    expect(swept).toEqual([]);
    // Drawn under 1 in 60: swept as the round wrote it (its engine as observed in this round; the
    // version is the first round's, which recorded the unmanaged use: an observation alone keeps it).
    const second = new Date(NOW.getTime() + 60_000);
    await refreshCluster(
      deps(registry, engines, { random: () => 1 / SWEEP_EVERY_ROUNDS - 1e-9, now: () => second }),
    );
    expect(swept.sort()).toEqual([
      ["h1", 1, second.toISOString()],
      ["h2", 1, second.toISOString()],
    ]);
  });
});

describe("refreshCluster: a round survives any one host", () => {
  it("a host whose write fails is that host's result, never the round's", async () => {
    const store = await registryOf(host("h1", 4, 4096), host("h2", 4, 4096), host("h3", 4, 4096));
    const registry = Object.assign(Object.create(store) as MemoryRegistry, {
      changeHost: async (...args: Parameters<MemoryRegistry["changeHost"]>) => {
        if (args[0] === "h2") throw new RegistryUnavailableError(false, "throttled");
        return store.changeHost(...args);
      },
    });
    const engines = fakeEngines(async (of) => ({ ...report(), id: `E:${of.id}` }));
    const result = await refreshCluster(deps(registry, engines));
    expect(result.results.map((each) => [each.id, each.ok, each.error])).toEqual([
      ["h1", true, undefined],
      ["h2", false, "not recorded: registry unavailable"],
      ["h3", true, undefined],
    ]);
    expect((await store.getHost("h3"))?.engine?.id).toBe("E:h3");
  });

  it("keeps none of an engine's or an adapter's own text: only Citadel's words", async () => {
    const registry = await registryOf(host("h1", 4, 4096), host("h2", 4, 4096));
    const engines = fakeEngines(async (of) => {
      if (of.id === "h1") throw new Error("(HTTP code 500) server error - s3cr3t");
      throw new EngineError("http 500");
    });
    const result = await refreshCluster(deps(registry, engines));
    expect(result.results.map((each) => each.error)).toEqual(["internal error", "http 500"]);
    expect((await registry.getHost("h1"))?.health.lastError).toBe("internal error");
  });

  it("probes with what a round has left when that is under the timeout (a router's refresh), down to a floor", async () => {
    const registry = await registryOf(host("h1", 4, 4096), host("h2", 4, 4096));
    const engines = fakeEngines(async (of) => ({ ...report(), id: `E:${of.id}` }));
    const settings = { ...SETTINGS, timeoutMs: 20_000 };
    // The router's 20 s budget under the default 20 s timeout: both hosts are probed (with 18 s).
    const budget = await refreshCluster(deps(registry, engines, { settings, remainingMs: () => 20_000 }));
    expect([budget.hosts, budget.skipped, engines.reads]).toEqual([2, 0, ["h1", "h2"]]);
    // Under the floor left: none.
    const late = RESULTS_RESERVE_MS + SHORTEST_PROBE_MS - 1;
    const none = await refreshCluster(deps(registry, engines, { settings, remainingMs: () => late }));
    expect([none.hosts, none.skipped]).toEqual([0, 2]);
  });

  it("starts no probe its remaining time cannot hold; the hosts it did not reach come first next round", async () => {
    const registry = await registryOf(...["h1", "h2", "h3", "h4"].map((id) => host(id, 4, 4096)));
    const engines = fakeEngines(async (of) => ({ ...report(), id: `E:${of.id}` }));
    const full = SETTINGS.timeoutMs + RESULTS_RESERVE_MS;
    // Time enough for two probes of their whole timeout, then not.
    const first = await refreshCluster(
      deps(registry, engines, {
        settings: { ...SETTINGS, concurrency: 1 },
        remainingMs: () => (engines.reads.length < 2 ? full : full - 1),
      }),
    );
    expect([first.hosts, first.skipped, engines.reads]).toEqual([2, 2, ["h1", "h2"]]);
    engines.reads.length = 0;
    const later = new Date(NOW.getTime() + 60_000);
    const second = await refreshCluster(
      deps(registry, engines, { settings: { ...SETTINGS, concurrency: 1 }, now: () => later }),
    );
    expect([second.hosts, second.skipped, engines.reads]).toEqual([4, 0, ["h3", "h4", "h1", "h2"]]);
  });
});

describe("refreshCluster: one engine under two addresses is one host", () => {
  const registered = (id: string, minutes: number): Host => ({
    ...host(id, 4, 4096),
    createdAt: new Date(NOW.getTime() + minutes * 60_000).toISOString(),
  });

  it("the host registered later goes down naming the first, whichever answers first in the round", async () => {
    // "zeta" was registered first, "alpha" later; alpha's engine answers first.
    const registry = await registryOf(registered("alpha", 2), registered("zeta", 1));
    const engines = fakeEngines(async (of) => {
      if (of.id === "zeta") await new Promise((resolve) => setTimeout(resolve, 30));
      return { ...report(), id: "SAME" };
    });
    const result = await refreshCluster(deps(registry, engines));
    expect(result.results.map((each) => [each.id, each.status])).toEqual([
      ["alpha", "down"],
      ["zeta", "ready"],
    ]);
    const alpha = await registry.getHost("alpha");
    expect(alpha?.statusReason).toBe(
      "its Docker engine is host zeta's, registered first: one engine is one host",
    );
    // Next round, from the engine IDs stored, and whatever the order of the answers.
    const again = fakeEngines(async (of) => {
      if (of.id === "alpha") await new Promise((resolve) => setTimeout(resolve, 30));
      return { ...report(), id: "SAME" };
    });
    const next = await refreshCluster(deps(registry, again));
    expect(next.results.map((each) => each.status)).toEqual(["down", "ready"]);
    expect((await registry.getHost("alpha"))?.placements).toEqual([]);
  });

  it("keeps an operator's draining set on the later host before the earlier one displaces it", async () => {
    const registry = await registryOf(registered("alpha", 2), registered("zeta", 1));
    const engines = fakeEngines(async (of) => {
      if (of.id === "zeta") {
        // alpha has been judged ready by now; its operator drains it before zeta's answer displaces it.
        await new Promise((resolve) => setTimeout(resolve, 30));
        await registry.changeHost("alpha", { status: "draining" }, NOW);
      }
      return { ...report(), id: "SAME" };
    });
    const result = await refreshCluster(deps(registry, engines));
    expect(result.results.map((each) => [each.id, each.status])).toEqual([
      ["alpha", "ready"],
      ["zeta", "ready"],
    ]);
    expect((await registry.getHost("alpha"))?.status).toBe("draining");
  });

  it("a host whose engine matches one stored on an earlier host goes down at once, and comes back when it differs", async () => {
    const zeta: Host = {
      ...registered("zeta", 1),
      engine: {
        id: "ENGINE:1",
        version: "20.10.24",
        cpuMilli: 8000,
        memory: 16384,
        unmanaged: { containers: 0, cpuMilli: 0, memory: 0 },
        used: { cpuMilli: 0, memory: 0 },
        observedAt: NOW.toISOString(),
      },
    };
    const registry = await registryOf(registered("alpha", 2), zeta);
    const engines = fakeEngines(async (of) => ({
      ...report(),
      id: of.id === "alpha" ? "ENGINE:1" : "ENGINE:2",
    }));
    const result = await refreshCluster(
      deps(registry, engines, { settings: { ...SETTINGS, concurrency: 1 } }),
    );
    // alpha (probed first) matched zeta's stored engine; zeta then reported another engine.
    expect(result.results.map((each) => [each.id, each.status])).toEqual([
      ["alpha", "down"],
      ["zeta", "ready"],
    ]);
    const back = await refreshCluster(deps(registry, engines, { settings: { ...SETTINGS, concurrency: 1 } }));
    expect(back.results.map((each) => [each.id, each.status])).toEqual([
      ["alpha", "ready"],
      ["zeta", "ready"],
    ]);
    expect((await registry.getHost("alpha"))?.statusReason).toBe("its Docker engine answers again");
  });
});

describe("refresh helpers", () => {
  it("mapConcurrently keeps the order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const result = await mapConcurrently([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      running--;
      return n * 10;
    });
    expect([result, peak]).toEqual([[50, 10, 40, 20, 30], 2]);
  });

  it("withTimeout rejects a promise that does not settle in time", async () => {
    await expect(withTimeout(new Promise(() => {}), 20)).rejects.toThrow("no answer within 20 ms");
    await expect(withTimeout(Promise.resolve(7), 20)).resolves.toBe(7);
  });
});
