import { describe, expect, it } from "vitest";
import type { HostChanges } from "../../shared/core/host-changes.js";
import { type Placement, summaryOf } from "../../shared/core/placement.js";
import { CapacityBelowReservedError, HostBusyError } from "../../shared/core/registry.js";
import { host, NOW, placement } from "../support/fixtures.js";
import type { RacingFactory } from "../support/racing.js";

const LATER = new Date(NOW.getTime() + 60_000);

/**
 * Writes that land in the gap between another writer's read and its write, for every Registry: the
 * races a DynamoDB registry's conditions exist for. Each would credit or over-commit a host without them.
 */
export function racesContract(name: string, racing: RacingFactory) {
  describe(`Registry contract, races: ${name}`, () => {
    it("credits a placement's release once when a second release of it lands in the gap", async () => {
      const made = placement("h1", 1000, 2048);
      let first: Placement | undefined;
      const { registry, other } = await racing(async (writer) => {
        first = await writer.release(made.id);
      });
      await other.addHost(host("h1", 4, 8192));
      await other.commit({ placement: made });
      expect(await registry.release(made.id)).toBeUndefined();
      expect(first).toEqual(made);
      const after = await other.getHost("h1");
      expect([after?.freeCpu, after?.freeMemory, after?.placements]).toEqual([4000, 8192, []]);
    });

    it("credits a placement once however many releases of it run at once", async () => {
      const { other: registry } = await racing(async () => {});
      await registry.addHost(host("h1", 4, 8192));
      const made = placement("h1", 1000, 2048);
      await registry.commit({ placement: made });
      const answers = await Promise.all(Array.from({ length: 8 }, () => registry.release(made.id)));
      expect(answers.filter((answer) => answer !== undefined)).toEqual([made]);
      const after = await registry.getHost("h1");
      expect([after?.freeCpu, after?.freeMemory]).toEqual([4000, 8192]);
    });

    it("refuses to remove a host that took a placement in the gap, and names how many it holds", async () => {
      const made = placement("h1", 1000, 2048);
      const { registry, other } = await racing((writer) => writer.commit({ placement: made }));
      await other.addHost(host("h1", 4, 8192));
      await expect(registry.removeHost("h1", false)).rejects.toEqual(new HostBusyError("h1", 1));
      expect((await other.getHost("h1"))?.placements).toEqual([summaryOf(made)]);
    });

    const shrinks: [string, HostChanges, Placement][] = [
      ["cpu", { total: { cpu: 2000 } }, placement("h1", 3000, 1024)],
      ["memory", { total: { memory: 4096 } }, placement("h1", 500, 6144)],
    ];
    it.each(shrinks)(
      "refuses a %s shrink that a commit landing in the gap would leave over-committed",
      async (_, shrink, made) => {
        const { registry, other } = await racing((writer) => writer.commit({ placement: made }));
        await other.addHost(host("h1", 4, 8192));
        await expect(registry.changeHost("h1", shrink, LATER)).rejects.toBeInstanceOf(
          CapacityBelowReservedError,
        );
        const after = await other.getHost("h1");
        expect(after).toMatchObject({
          total: { cpu: 4000, memory: 8192 },
          freeCpu: 4000 - made.amounts.cpu,
          freeMemory: 8192 - made.amounts.memory,
          placements: [summaryOf(made)],
          version: 0,
        });
      },
    );

    it("applies a shrink that still fits with the commit that landed in the gap, and counts both", async () => {
      const made = placement("h1", 3000, 1024);
      const { registry, other } = await racing((writer) => writer.commit({ placement: made }));
      await other.addHost(host("h1", 4, 8192));
      const changed = await registry.changeHost("h1", { total: { cpu: 3500, memory: 2048 } }, LATER);
      expect(changed).toMatchObject({
        total: { cpu: 3500, memory: 2048 },
        freeCpu: 500,
        freeMemory: 1024,
        placements: [summaryOf(made)],
      });
      expect({ ...(await other.getHost("h1")), events: [] }).toEqual({ ...changed, events: [] });
    });
  });
}
