import { describe, expect, it } from "vitest";
import type { GpuGrant } from "../../shared/core/gpus.js";
import { gpuShares, newHost } from "../../shared/core/host.js";
import type { Placement } from "../../shared/core/placement.js";
import { CapacityBelowReservedError, type Registry } from "../../shared/core/registry.js";
import { loopbackOf, NOW, placement } from "../support/fixtures.js";
import type { RacingFactory } from "../support/racing.js";

const LATER = new Date(NOW.getTime() + 60_000);

/** A host of 4 CPUs, 8 GiB and `count` GPU devices (none when 0). */
function gpuHost(id: string, count: number) {
  return newHost(
    {
      addr: loopbackOf(id),
      id,
      total_cpus: 4000,
      total_memory: 8192,
      ...(count > 0 && { gpus: { count, model: "V100M32" } }),
    },
    NOW,
  );
}

/** A placement of 100 millicores and 64 MiB holding `share` thousandths of each of `devices`. */
function granted(hostId: string, share: number, ...devices: number[]): Placement {
  const gpus: GpuGrant = { devices, share };
  return { ...placement(hostId, 100, 64), gpus };
}

async function sharesOf(registry: Registry, hostId: string): Promise<number[]> {
  const host = await registry.getHost(hostId);
  if (!host) throw new Error(`no host ${hostId}`);
  return gpuShares(host);
}

/**
 * What every registry promises of GPU devices (gpus.ts): a device's shares never pass one whole, under
 * the same races as the counters; a host never drops a device that holds a share.
 */
export function gpusContract(name: string, makeRegistry: () => Promise<Registry>, racing: RacingFactory) {
  describe(`Registry contract, GPUs: ${name}`, () => {
    it("reserves shares of a device up to one whole, and gives them back on release", async () => {
      const registry = await makeRegistry();
      await registry.addHost(gpuHost("h1", 2));
      const half = granted("h1", 500, 0);
      expect((await registry.commit({ placement: half })).kind).toBe("committed");
      expect((await registry.commit({ placement: granted("h1", 501, 0) })).kind).toBe("conflict");
      expect((await registry.commit({ placement: granted("h1", 500, 0) })).kind).toBe("committed");
      expect((await registry.commit({ placement: granted("h1", 1000, 1) })).kind).toBe("committed");
      expect(await sharesOf(registry, "h1")).toEqual([1000, 1000]);
      // The grant reads back from the placement's record and from its host's summary.
      expect((await registry.getPlacement(half.id))?.placement.gpus).toEqual({ devices: [0], share: 500 });
      await registry.release(half.id);
      expect(await sharesOf(registry, "h1")).toEqual([500, 1000]);
      expect((await registry.commit({ placement: granted("h1", 500, 0) })).kind).toBe("committed");
    });

    it("refuses a grant of a device the host does not have, and any grant on a host without GPUs", async () => {
      const registry = await makeRegistry();
      await registry.addHost(gpuHost("h1", 2));
      await registry.addHost(gpuHost("h2", 0));
      expect((await registry.commit({ placement: granted("h1", 1000, 0, 2) })).kind).toBe("conflict");
      expect((await registry.commit({ placement: granted("h2", 100, 0) })).kind).toBe("conflict");
      expect(await sharesOf(registry, "h1")).toEqual([0, 0]);
      expect((await registry.commit({ placement: placement("h2", 100, 64) })).kind).toBe("committed");
    });

    it("admits exactly what fits when commits race for one device's shares", async () => {
      const registry = await makeRegistry();
      await registry.addHost(gpuHost("h1", 1));
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, () => registry.commit({ placement: granted("h1", 250, 0) })),
      );
      expect(outcomes.filter((outcome) => outcome.kind === "committed")).toHaveLength(4);
      expect(await sharesOf(registry, "h1")).toEqual([1000]);
    });

    it("gives a whole device to one of commits racing for it", async () => {
      const registry = await makeRegistry();
      await registry.addHost(gpuHost("h1", 4));
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, at) =>
          registry.commit({ placement: granted("h1", 1000, ...(at % 2 === 0 ? [0, 1] : [1, 2])) }),
        ),
      );
      // Every grant holds device 1 whole: one lands.
      expect(outcomes.filter((outcome) => outcome.kind === "committed")).toHaveLength(1);
      const shares = await sharesOf(registry, "h1");
      expect(shares[1]).toBe(1000);
      expect(shares.reduce((sum, share) => sum + share, 0)).toBe(2000);
    });

    it("changes a host's devices, but never drops one that holds a share", async () => {
      const registry = await makeRegistry();
      await registry.addHost(gpuHost("h1", 4));
      await registry.addHost(gpuHost("h2", 0));
      await registry.commit({ placement: granted("h1", 300, 2) });
      await expect(
        registry.changeHost("h1", { gpus: { count: 2, model: "V100M32" } }, LATER),
      ).rejects.toBeInstanceOf(CapacityBelowReservedError);
      const grown = await registry.changeHost("h1", { gpus: { count: 8, model: "A100" } }, LATER);
      expect(grown.gpus).toEqual({ count: 8, model: "A100" });
      expect((await registry.commit({ placement: granted("h1", 1000, 7) })).kind).toBe("committed");
      // A host without devices gets some, and takes grants from then on.
      await registry.changeHost("h2", { gpus: { count: 1, model: "T4" } }, LATER);
      expect((await registry.commit({ placement: granted("h2", 1000, 0) })).kind).toBe("committed");
      expect(await sharesOf(registry, "h2")).toEqual([1000]);
    });

    it("keeps a device that a commit landing between the change's read and write took", async () => {
      const { registry, other } = await racing(async (writer) => {
        await writer.commit({ placement: granted("h1", 1000, 3) });
      });
      await other.addHost(gpuHost("h1", 4));
      await expect(
        registry.changeHost("h1", { gpus: { count: 2, model: "V100M32" } }, LATER),
      ).rejects.toBeInstanceOf(CapacityBelowReservedError);
      const after = await other.getHost("h1");
      expect([after?.gpus?.count, after && gpuShares(after)[3]]).toEqual([4, 1000]);
    });
  });
}
