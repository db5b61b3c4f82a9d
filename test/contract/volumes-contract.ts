import { describe, expect, it } from "vitest";
import { newHost } from "../../shared/core/host.js";
import type { Registry } from "../../shared/core/registry.js";
import { loopbackOf, NOW, placement } from "../support/fixtures.js";

const LATER = new Date(NOW.getTime() + 60_000);

const plainHost = (id: string) =>
  newHost({ addr: loopbackOf(id), id, total_cpus: 4000, total_memory: 8192 }, NOW);

/**
 * What every registry keeps of named volumes (volumes.ts): a host's list as a refresh found it, and the
 * volumes a live placement mounts and creates, read back as written.
 */
export function volumesContract(name: string, makeRegistry: () => Promise<Registry>) {
  describe(`Registry contract, volumes: ${name}`, () => {
    it("keeps a host's volumes from a refresh's change, sorted, until the next list changes them", async () => {
      const registry = await makeRegistry();
      await registry.addHost(plainHost("h1"));
      expect((await registry.getHost("h1"))?.volumes).toEqual([]);
      const changed = await registry.changeHost("h1", { volumes: ["web", "db"], observed: true }, LATER);
      expect([changed.volumes, changed.version]).toEqual([["db", "web"], 1]);
      expect((await registry.getHost("h1"))?.volumes).toEqual(["db", "web"]);
      expect((await registry.listHosts()).find((host) => host.id === "h1")?.volumes).toEqual(["db", "web"]);
      // The same list again is no change of the host (its version stays); another change keeps them.
      const same = await registry.changeHost("h1", { volumes: ["db", "web"], observed: true }, LATER);
      expect(same.version).toBe(1);
      await registry.changeHost("h1", { labels: { zone: "a" } }, LATER);
      expect((await registry.getHost("h1"))?.volumes).toEqual(["db", "web"]);
      await registry.changeHost("h1", { volumes: [], observed: true }, LATER);
      expect((await registry.getHost("h1"))?.volumes).toEqual([]);
    });

    it("keeps the volumes a placement creates in its host's record, and its mounts with the placement", async () => {
      const registry = await makeRegistry();
      await registry.addHost(plainHost("h1"));
      await registry.changeHost("h1", { volumes: ["shared"], observed: true }, LATER);
      const volumes = [
        { name: "cache.v2", path: "/cache", create: true },
        { name: "shared", path: "/shared", create: false },
        { name: "logs", path: "/logs", create: true },
      ];
      const made = { ...placement("h1", 100, 64), volumes };
      const outcome = await registry.commit({ placement: made });
      expect(outcome.kind).toBe("committed");
      // The commit's answer (which refreshes a scheduler's view) keeps the host's own list too.
      expect(outcome.kind === "committed" && outcome.host?.volumes).toEqual(["shared"]);
      const [summary] = (await registry.getHost("h1"))?.placements ?? [];
      expect(summary?.volumes).toEqual(["cache.v2", "logs"]);
      expect((await registry.getPlacement(made.id))?.placement.volumes).toEqual(volumes);
      const other = placement("h1", 100, 64);
      await registry.commit({ placement: other });
      const kept = await registry.getHost("h1");
      expect(kept?.placements.find((one) => one.id === other.id)?.volumes).toBeUndefined();
      await registry.release(made.id);
      expect((await registry.getHost("h1"))?.placements.map((one) => one.volumes)).toEqual([undefined]);
    });
  });
}
