import { describe, expect, it } from "vitest";
import { MemoryProfileStore } from "../../shared/adapters/memory-profiles.js";
import type { Host } from "../../shared/core/host.js";
import type { RefreshSettings } from "../../shared/core/observe.js";
import { refreshCluster } from "../../shared/core/refresh.js";
import type { Registry } from "../../shared/core/registry.js";
import { host, NOW, noEngines, observed, placement } from "../support/fixtures.js";

const LATER = new Date(NOW.getTime() + 60_000);
const SETTINGS: RefreshSettings = { downAfter: 3, graceMs: 60_000, timeoutMs: 1000, concurrency: 4 };

/**
 * Host changes under concurrency, for every Registry: the version that locks them, changes computed
 * from the host as read inside the write, and what that means for a refresh racing an operator.
 */
export function hostChangesContract(name: string, makeRegistry: () => Promise<Registry>) {
  describe(`Registry contract, host changes: ${name}`, () => {
    it("moves a host's version by one per change, and not on commits or releases", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      expect((await registry.getHost("h1"))?.version).toBe(0);
      expect((await registry.changeHost("h1", { labels: { zone: "a" } }, LATER)).version).toBe(1);
      const made = placement("h1", 100, 100);
      const committed = await registry.commit({ placement: made });
      expect(committed.kind === "committed" && committed.host?.version).toBe(1);
      await registry.release(made.id);
      expect((await registry.getHost("h1"))?.version).toBe(1);
      // The same change in the same millisecond is still a change of its own.
      expect((await registry.changeHost("h1", { labels: { zone: "a" } }, LATER)).version).toBe(2);
    });

    it("keeps the version and updatedAt on an observation alone; getHost and listHosts show it", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      const unmanaged = { cpuMilli: 500, memory: 512, containers: 1 };
      // The first observation counts the unmanaged use: the host's own change.
      const first = await registry.changeHost(
        "h1",
        { observed: true, ...observed(LATER, { unmanaged }) },
        LATER,
      );
      expect([first.version, first.freeCpu, first.freeMemory]).toEqual([1, 3500, 7680]);
      const later = new Date(LATER.getTime() + 60_000);
      const seen = observed(later, { unmanaged, used: { cpuMilli: 250, memory: 100 } });
      const second = await registry.changeHost("h1", { observed: true, ...seen }, later);
      expect([second.version, second.updatedAt, second.freeCpu]).toEqual([1, first.updatedAt, 3500]);
      expect(second).toMatchObject(seen);
      expect(await registry.getHost("h1")).toMatchObject({ ...seen, version: 1 });
      expect((await registry.listHosts())[0]).toMatchObject({ ...seen, version: 1 });
    });

    it("computes a change given as a function from the host as it is when written", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192, { zone: "a" }));
      await registry.commit({ placement: placement("h1", 1000, 1024) });
      const seen: Host[] = [];
      const changed = await registry.changeHost(
        "h1",
        (current) => {
          seen.push(current);
          return { labels: { ...current.labels, placements: String(current.placements.length) } };
        },
        LATER,
      );
      expect(seen.map((one) => [one.version, one.freeCpu])).toEqual([[0, 3000]]);
      expect(changed.labels).toEqual({ zone: "a", placements: "1" });
      // A change answers with the events it added; getHost shows the last ones.
      expect({ ...(await registry.getHost("h1")), events: [] }).toEqual({ ...changed, events: [] });
    });

    it("keeps an operator's draining set between a refresh's read of a host and its write", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      const failing = { failures: 2, lastProbeAt: NOW.toISOString(), lastError: "connect ECONNREFUSED" };
      await registry.changeHost("h1", { health: failing, observed: true }, NOW);
      // The operator's PATCH lands after the refresh probed and read the host, just before it writes.
      let patched = false;
      const racing = Object.assign(Object.create(registry) as Registry, {
        changeHost: async (...args: Parameters<Registry["changeHost"]>) => {
          if (!patched) {
            patched = true;
            await registry.changeHost("h1", { status: "draining" }, LATER);
          }
          return registry.changeHost(...args);
        },
      });
      const result = await refreshCluster({
        registry: racing,
        engines: noEngines,
        profiles: new MemoryProfileStore(),
        settings: SETTINGS,
        now: () => LATER,
      });
      // The third failed probe would take a ready host down; a draining host stays draining.
      expect(result.results.map((one) => [one.id, one.status, one.ok])).toEqual([["h1", "draining", false]]);
      const after = await registry.getHost("h1");
      expect([after?.status, after?.statusReason, after?.health.failures]).toEqual([
        "draining",
        "set by the API",
        3,
      ]);
    });

    it("releases what the refresh's write judged, with its event, and a release made meanwhile is harmless", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      const [exited, releasedMeanwhile] = [placement("h1", 500, 512), placement("h1", 500, 512)];
      for (const made of [exited, releasedMeanwhile]) await registry.commit({ placement: made });
      const ended = (placementId: string, id: string) => ({
        image: "redis:7",
        id: id.repeat(64),
        state: "exited",
        exitCode: 0,
        placementId,
        ports: [],
        limits: { cpuMilli: 0, memory: 0 },
        usage: null,
      });
      const engines = {
        ...noEngines,
        read: async () => ({
          id: "ENGINE-H1",
          version: "20.10.24",
          cpuMilli: 4000,
          memory: 8192,
          containers: [ended(exited.id, "a"), ended(releasedMeanwhile.id, "b")],
          volumes: [],
        }),
      };
      // A client releases one of them after the refresh probed, before its write.
      let released = false;
      const racing = Object.assign(Object.create(registry) as Registry, {
        changeHost: async (...args: Parameters<Registry["changeHost"]>) => {
          if (!released) {
            released = true;
            await registry.release(releasedMeanwhile.id);
          }
          return registry.changeHost(...args);
        },
      });
      const result = await refreshCluster({
        registry: racing,
        engines,
        profiles: new MemoryProfileStore(),
        settings: SETTINGS,
        now: () => LATER,
      });
      expect(result.released).toBe(1);
      const after = await registry.getHost("h1");
      expect([after?.placements, after?.freeCpu, after?.freeMemory]).toEqual([[], 4000, 8192]);
      expect(
        after?.events.filter((event) => event.action === "released").map((event) => event.detail),
      ).toEqual([expect.stringMatching(new RegExp(`^${exited.id}: container a{12} exited`))]);
    });
  });
}
