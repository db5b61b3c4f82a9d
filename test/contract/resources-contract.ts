import { describe, expect, it } from "vitest";
import { type Host, newHost, takenPorts } from "../../shared/core/host.js";
import type { Placement } from "../../shared/core/placement.js";
import type { Protocol } from "../../shared/core/ports.js";
import type { Registry } from "../../shared/core/registry.js";
import { type Amounts, amounts } from "../../shared/core/resources.js";
import { loopbackOf, NOW, placement } from "../support/fixtures.js";

const LATER = new Date(NOW.getTime() + 60_000);

/** A host of 4 CPUs, 8 GiB and `disk` MiB of disk (none declared when absent). */
function diskHost(id: string, disk?: number) {
  return newHost(
    { addr: loopbackOf(id), id, total_cpus: 4000, total_memory: 8192, ...(disk && { total_disk: disk }) },
    NOW,
  );
}

/** A placement of 100 millicores and 64 MiB, and `extra` of the other resources. */
function sized(hostId: string, extra: Partial<Amounts>): Placement {
  const made = placement(hostId, 100, 64);
  return { ...made, amounts: amounts({ ...made.amounts, ...extra }) };
}

/** A placement of 100 millicores and 64 MiB holding these host ports (container port 80, tcp unless said). */
function holding(hostId: string, ...hostPorts: [number, Protocol?][]): Placement {
  const ports = hostPorts.map(([host, protocol = "tcp"]) => ({ container: 80, host, protocol }));
  return { ...placement(hostId, 100, 64), ports };
}

/**
 * What every registry promises of every counted resource beside cpu and memory (resources.ts): the
 * same fit check, the same accounting, under the same races.
 */
export function resourcesContract(name: string, makeRegistry: () => Promise<Registry>) {
  describe(`Registry contract, resources: ${name}`, () => {
    it("reserves disk, refuses a commit past it, and gives it back on release", async () => {
      const registry = await makeRegistry();
      await registry.addHost(diskHost("h1", 1000));
      const first = sized("h1", { disk: 600 });
      expect((await registry.commit({ placement: first })).kind).toBe("committed");
      const over = await registry.commit({ placement: sized("h1", { disk: 401 }) });
      expect(over.kind).toBe("conflict");
      expect(over.kind === "conflict" && over.host?.freeDisk).toBe(400);
      expect((await registry.commit({ placement: sized("h1", { disk: 400 }) })).kind).toBe("committed");
      // The placement reads back with its disk, in its record and in its host's summary.
      expect((await registry.getPlacement(first.id))?.placement.amounts.disk).toBe(600);
      expect((await registry.getHost("h1"))?.placements.map((one) => one.amounts.disk).sort()).toEqual([
        400, 600,
      ]);
      await registry.release(first.id);
      expect(await registry.getHost("h1")).toMatchObject({ freeCpu: 3900, freeMemory: 8128, freeDisk: 600 });
    });

    it("takes no request for disk on a host without a disk total, and any other request", async () => {
      const registry = await makeRegistry();
      await registry.addHost(diskHost("h1"));
      expect((await registry.commit({ placement: sized("h1", { disk: 1 }) })).kind).toBe("conflict");
      expect((await registry.commit({ placement: sized("h1", {}) })).kind).toBe("committed");
      const after = await registry.getHost("h1");
      expect([after?.total.disk, after?.freeDisk]).toEqual([null, 0]);
    });

    it("moves free disk by a total's change, and refuses a total below what is reserved", async () => {
      const registry = await makeRegistry();
      await registry.addHost(diskHost("h1"));
      // A host registered without disk gets some: its counter starts then.
      await registry.changeHost("h1", { total: { disk: 500 }, declared: { disk: 500 } }, LATER);
      expect((await registry.commit({ placement: sized("h1", { disk: 300 }) })).kind).toBe("committed");
      await expect(registry.changeHost("h1", { total: { disk: 299 } }, LATER)).rejects.toThrow(/reserved/);
      const changed = await registry.changeHost("h1", { total: { disk: 800 } }, LATER);
      expect([changed.total.disk, changed.freeDisk]).toEqual([800, 500]);
      expect((await registry.getHost("h1"))?.freeDisk).toBe(500);
    });

    it("admits exactly what fits when commits race for one host's disk", async () => {
      const registry = await makeRegistry();
      await registry.addHost(diskHost("h1", 1000));
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, () => registry.commit({ placement: sized("h1", { disk: 100 }) })),
      );
      expect(outcomes.filter((outcome) => outcome.kind === "committed")).toHaveLength(10);
      const after = await registry.getHost("h1");
      expect([after?.freeDisk, after?.placements.length]).toEqual([0, 10]);
    });

    it("gives a host port to one live placement at a time, per protocol, and frees it on release", async () => {
      const registry = await makeRegistry();
      await registry.addHost(diskHost("h1"));
      const first = holding("h1", [8080], [53, "udp"]);
      expect((await registry.commit({ placement: first })).kind).toBe("committed");
      expect((await registry.commit({ placement: holding("h1", [8080]) })).kind).toBe("conflict");
      expect((await registry.commit({ placement: holding("h1", [9090], [53, "udp"]) })).kind).toBe(
        "conflict",
      );
      // Another protocol is another port.
      expect((await registry.commit({ placement: holding("h1", [53], [8080, "udp"]) })).kind).toBe(
        "committed",
      );
      const read = await registry.getPlacement(first.id);
      expect(read?.placement.ports).toEqual(first.ports);
      expect(takenPorts((await registry.getHost("h1")) as Host)).toEqual(
        new Set(["8080/tcp", "53/udp", "53/tcp", "8080/udp"]),
      );
      await registry.release(first.id);
      expect((await registry.commit({ placement: holding("h1", [8080], [53, "udp"]) })).kind).toBe(
        "committed",
      );
    });

    it("takes no port that an unmanaged container publishes, and its other ports", async () => {
      const registry = await makeRegistry();
      await registry.addHost(diskHost("h1"));
      await registry.changeHost("h1", { unmanagedPorts: ["80/tcp"], observed: true }, LATER);
      expect((await registry.getHost("h1"))?.unmanagedPorts).toEqual(["80/tcp"]);
      expect((await registry.commit({ placement: holding("h1", [80]) })).kind).toBe("conflict");
      expect((await registry.commit({ placement: holding("h1", [81]) })).kind).toBe("committed");
      await registry.changeHost("h1", { unmanagedPorts: [], observed: true }, LATER);
      expect((await registry.commit({ placement: holding("h1", [80]) })).kind).toBe("committed");
    });

    it("admits exactly one of commits racing for one host port", async () => {
      const registry = await makeRegistry();
      await registry.addHost(diskHost("h1"));
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, () => registry.commit({ placement: holding("h1", [8080]) })),
      );
      expect(outcomes.filter((outcome) => outcome.kind === "committed")).toHaveLength(1);
      expect((await registry.getHost("h1"))?.placements).toHaveLength(1);
    });

    it("keeps a host's port range, and changes it", async () => {
      const registry = await makeRegistry();
      await registry.addHost(
        newHost({ addr: loopbackOf("h2"), id: "h2", port_range: { low: 30000, high: 30009 } }, NOW),
      );
      expect((await registry.getHost("h2"))?.portRange).toEqual({ low: 30000, high: 30009 });
      const changed = await registry.changeHost("h2", { portRange: { low: 40000, high: 40001 } }, LATER);
      expect(changed.portRange).toEqual({ low: 40000, high: 40001 });
      expect((await registry.getHost("h2"))?.portRange).toEqual({ low: 40000, high: 40001 });
    });
  });
}
