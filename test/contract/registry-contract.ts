import { describe, expect, it } from "vitest";
import { MAX_PLACEMENTS_PER_HOST, newHost } from "../../shared/core/host.js";
import { summaryOf } from "../../shared/core/placement.js";
import {
  AddrTakenError,
  CapacityBelowReservedError,
  HostBusyError,
  HostExistsError,
  HostNotFoundError,
  type IdempotencyRecord,
  type Registry,
} from "../../shared/core/registry.js";
import { host, NOW, placement } from "../support/fixtures.js";
import { everyHost, everyPlacement } from "./paging-support.js";

const LATER = new Date(NOW.getTime() + 60_000);

/** A host of 1 CPU and 1 GiB at `addr` (canonicalised as the API does). */
function hostAt(id: string, addr: string) {
  return newHost({ addr, id, total_cpus: 1000, total_memory: 1024 }, NOW);
}

function idempotencyRecord(
  key: string,
  placementId: string,
  createdAt = 1_000,
  outcome: IdempotencyRecord["outcome"] = "placed",
  deliveryId = "delivery-1",
): IdempotencyRecord {
  return {
    key,
    fingerprint: `fp-${key}`,
    outcome,
    answer: { placement: { id: placementId } },
    deliveryId,
    createdAt,
    expiresAt: createdAt + 86_400,
  };
}

/**
 * The one contract every Registry passes: the in-memory registry and the DynamoDB registry run the
 * same cases, so the in-memory one cannot be a looser toy.
 */
export function registryContract(name: string, makeRegistry: () => Promise<Registry>) {
  describe(`Registry contract: ${name}`, () => {
    it("adds, reads and lists hosts, and refuses a second host with the same id", async () => {
      const registry = await makeRegistry();
      const first = host("h1", 4, 8192, { zone: "a" });
      await registry.addHost(first);
      await registry.addHost(host("h2", 2, 4096));
      expect(await registry.getHost("h1")).toEqual(first);
      expect(await registry.getHost("nope")).toBeUndefined();
      expect((await registry.listHosts()).map((listed) => listed.id).sort()).toEqual(["h1", "h2"]);
      await expect(registry.addHost(host("h1", 1, 1))).rejects.toBeInstanceOf(HostExistsError);
    });

    it("refuses a host at the address of another, naming that host, and writes nothing", async () => {
      const registry = await makeRegistry();
      await registry.addHost(hostAt("first", "127.0.1.1:2375"));
      // The same engine written otherwise is the same canonical address.
      const again = hostAt("second", "tcp://0x7f000101");
      expect(again.addr).toBe("127.0.1.1:2375");
      await expect(registry.addHost(again)).rejects.toEqual(new AddrTakenError("127.0.1.1:2375", "first"));
      expect(await registry.getHost("second")).toBeUndefined();
      // A host's own id comes first: registering it again is a duplicate host, not a taken address.
      await expect(registry.addHost(hostAt("first", "127.0.1.1:2375"))).rejects.toBeInstanceOf(
        HostExistsError,
      );
      // Another port is another engine.
      await registry.addHost(hostAt("third", "127.0.1.1:2376"));
      expect((await registry.listHosts()).map((listed) => listed.id).sort()).toEqual(["first", "third"]);
    });

    it("frees an address when its host is removed, plainly or by force, not when removal is refused", async () => {
      const registry = await makeRegistry();
      await registry.addHost(hostAt("a", "127.0.1.1:2375"));
      expect(await registry.removeHost("a", false)).toBe(true);
      await registry.addHost(hostAt("b", "127.0.1.1:2375"));
      await registry.commit({ placement: placement("b", 100, 100) });
      await expect(registry.removeHost("b", false)).rejects.toBeInstanceOf(HostBusyError);
      await expect(registry.addHost(hostAt("c", "127.0.1.1:2375"))).rejects.toEqual(
        new AddrTakenError("127.0.1.1:2375", "b"),
      );
      expect(await registry.removeHost("b", true)).toBe(true);
      await registry.addHost(hostAt("c", "127.0.1.1:2375"));
      expect((await registry.getHost("c"))?.addr).toBe("127.0.1.1:2375");
    });

    it("lets exactly one of racing registrations of one address win", async () => {
      const registry = await makeRegistry();
      const ids = Array.from({ length: 8 }, (_, index) => `racer${index}`);
      const outcomes = await Promise.allSettled(
        ids.map((id) => registry.addHost(hostAt(id, "127.0.1.7:2375"))),
      );
      const listed = await registry.listHosts();
      expect(listed).toHaveLength(1);
      const winner = listed[0]?.id;
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === "rejected") {
          expect(outcome.reason).toEqual(new AddrTakenError("127.0.1.7:2375", String(winner)));
        }
      }
    });

    it("pages through the hosts: each host once, at most `limit` a page, the last page without next", async () => {
      const registry = await makeRegistry();
      expect(await registry.pageHosts(10)).toEqual({ hosts: [] });
      const ids = ["a", "b-2", "C", "d_4", "e5", "f", "g7"];
      for (const id of ids) await registry.addHost(host(id, 1, 1024));
      for (const limit of [1, 2, 3, 6, 7, 100]) {
        const pages = await everyHost(registry, limit);
        expect(pages.flat().sort(), `limit ${limit}`).toEqual([...ids].sort());
        expect(pages.length, `limit ${limit}`).toBe(Math.ceil(ids.length / limit));
        expect(pages.every((page) => page.length === limit || page === pages.at(-1))).toBe(true);
      }
      const [first] = (await registry.pageHosts(1)).hosts;
      // Listings leave a host's events out.
      expect(first).toEqual({ ...(await registry.getHost(first?.id ?? "")), events: [] });
    });

    it("cuts the hosts into slices: disjoint, every host in one, each about its share", async () => {
      const registry = await makeRegistry();
      const ids = Array.from({ length: 60 }, (_, index) => `s${index}`);
      for (const id of ids) await registry.addHost(host(id, 1, 1024));
      for (const slices of [1, 2, 3, 7]) {
        const cut = await Promise.all(
          Array.from({ length: slices }, (_, slice) => registry.sliceHosts(slice, slices)),
        );
        const seen = cut.flat().map((one) => one.id);
        expect(seen.sort(), `${slices} slices`).toEqual([...ids].sort());
        if (slices > 1) expect(Math.max(...cut.map((slice) => slice.length))).toBeLessThan(ids.length);
      }
      const [one] = await registry.sliceHosts(0, 1);
      expect(one).toEqual({ ...(await registry.getHost(one?.id ?? "")), events: [] });
    });

    it("pages through placements across hosts and inside one: each once, with its host", async () => {
      const registry = await makeRegistry();
      const made: string[] = [];
      for (const [id, count] of [
        ["a", 5],
        ["b", 0],
        ["c", 3],
        ["d", 1],
        ["e", 0],
      ] as const) {
        await registry.addHost(host(id, 4, 8192));
        for (let index = 0; index < count; index++) {
          const one = placement(id, 10, 10);
          await registry.commit({ placement: one });
          made.push(one.id);
        }
      }
      for (const limit of [1, 2, 4, 9, 100]) {
        const pages = await everyPlacement(registry, limit);
        const listed = pages.flat();
        expect(listed.map((entry) => entry.placement.id).sort(), `limit ${limit}`).toEqual([...made].sort());
        expect(pages.length, `limit ${limit}`).toBe(Math.ceil(made.length / limit));
        expect(listed.every((entry) => entry.host.id === entry.placement.hostId)).toBe(true);
        expect(
          listed.every(({ host: on, placement: one }) => on.placements.some((p) => p.id === one.id)),
        ).toBe(true);
      }
    });

    it("resumes a page after any item it held, and after a host or placement that has gone", async () => {
      const registry = await makeRegistry();
      for (const id of ["a", "b", "c", "d"]) {
        await registry.addHost(host(id, 4, 8192));
        for (let index = 0; index < 3; index++) await registry.commit({ placement: placement(id, 10, 10) });
      }
      const hosts = (await registry.pageHosts(4)).hosts.map((one) => one.id);
      const afterSecond = await registry.pageHosts(10, hosts[1]);
      expect(afterSecond.hosts.map((one) => one.id)).toEqual(hosts.slice(2));
      expect(afterSecond.next).toBeUndefined();
      await registry.removeHost(hosts[1] ?? "", true);
      expect((await registry.pageHosts(10, hosts[1])).hosts.map((one) => one.id)).toEqual(hosts.slice(2));

      const all = (await registry.pagePlacements(100)).placements.map((entry) => entry.placement.id);
      expect(all).toHaveLength(9);
      const [cut] = (await registry.pagePlacements(4)).placements.slice(-1);
      const rest = await registry.pagePlacements(100, cut?.placement.id);
      expect(rest.placements.map((entry) => entry.placement.id)).toEqual(all.slice(4));
      await registry.release(cut?.placement.id ?? "");
      const afterReleased = await registry.pagePlacements(100, cut?.placement.id);
      expect(afterReleased.placements.map((entry) => entry.placement.id)).toEqual(all.slice(4));
      // A host id is a position too: after every placement of that host.
      const afterHost = await registry.pagePlacements(100, hosts[2]);
      expect(afterHost.placements.map((entry) => entry.placement.id)).toEqual(all.slice(6));
    });

    it("commits a placement by reserving its cpu and memory on the host", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      const made = placement("h1", 200, 512);
      const outcome = await registry.commit({ placement: made });
      const after = await registry.getHost("h1");
      // The answer shows the host as it is after the commit (what a scheduler's view takes).
      expect(outcome).toEqual({ kind: "committed", host: { ...after, events: [] } });
      expect(after?.freeCpu).toBe(3800);
      expect(after?.freeMemory).toBe(7680);
      // The host keeps the placement's summary; the placement reads whole with its host.
      expect(after?.placements).toEqual([summaryOf(made)]);
      expect(await registry.getPlacement(made.id)).toEqual({
        host: { ...after, events: [] },
        placement: made,
      });
    });

    it("refuses a commit that does not fit, and says how the host is now", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 1, 1024));
      await registry.commit({ placement: placement("h1", 800, 512) });
      const tooMuchCpu = await registry.commit({ placement: placement("h1", 300, 100) });
      expect(tooMuchCpu.kind).toBe("conflict");
      expect(tooMuchCpu.kind === "conflict" && tooMuchCpu.host?.freeCpu).toBe(200);
      const tooMuchMemory = await registry.commit({ placement: placement("h1", 100, 513) });
      expect(tooMuchMemory.kind).toBe("conflict");
      expect(await registry.commit({ placement: placement("h1", 200, 512) })).toMatchObject({
        kind: "committed",
        host: { freeCpu: 0, freeMemory: 0 },
      });
      const full = await registry.getHost("h1");
      expect([full?.freeCpu, full?.freeMemory, full?.placements.length]).toEqual([0, 0, 2]);
    });

    it("refuses commits on hosts that are draining, unknown, or of unknown capacity", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      await registry.changeHost("h1", { status: "draining" }, LATER);
      expect((await registry.commit({ placement: placement("h1", 100, 100) })).kind).toBe("conflict");
      expect(await registry.commit({ placement: placement("ghost", 100, 100) })).toEqual({
        kind: "conflict",
        host: undefined,
      });
      await registry.addHost(newHost({ addr: "127.0.1.250:2375", id: "blank" }, NOW));
      expect((await registry.commit({ placement: placement("blank", 1, 1) })).kind).toBe("conflict");
    });

    it("commits the same placement once however often it is replayed", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      const made = placement("h1", 500, 1000);
      for (let replay = 0; replay < 3; replay++) {
        const outcome = await registry.commit({ placement: made });
        expect(outcome.kind === "committed" && outcome.host?.placements).toEqual([summaryOf(made)]);
      }
      const after = await registry.getHost("h1");
      expect([after?.freeCpu, after?.placements.length]).toEqual([3500, 1]);
    });

    it(`takes at most ${MAX_PLACEMENTS_PER_HOST} placements on one host`, async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 1000, 1_000_000));
      for (let index = 0; index < MAX_PLACEMENTS_PER_HOST; index++) {
        expect((await registry.commit({ placement: placement("h1", 1, 1) })).kind).toBe("committed");
      }
      expect((await registry.commit({ placement: placement("h1", 1, 1) })).kind).toBe("conflict");
    });

    it("admits exactly what fits when commits race for one host", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 1, 1024));
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, () => registry.commit({ placement: placement("h1", 100, 64) })),
      );
      expect(outcomes.filter((outcome) => outcome.kind === "committed")).toHaveLength(10);
      const after = await registry.getHost("h1");
      expect([after?.freeCpu, after?.freeMemory, after?.placements.length]).toEqual([0, 384, 10]);
    });

    it("releases a placement once; releasing again or releasing the unknown is harmless", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      const made = placement("h1", 1000, 2048);
      const other = placement("h1", 500, 256);
      await registry.commit({ placement: other });
      await registry.commit({ placement: made });
      // The released placement's own size is credited, not that of another on its host.
      expect(await registry.release(made.id)).toEqual(made);
      const between = await registry.getHost("h1");
      expect([between?.freeCpu, between?.freeMemory]).toEqual([3500, 7936]);
      expect(await registry.release(made.id)).toBeUndefined();
      expect(await registry.release(other.id)).toEqual(other);
      expect(await registry.release("h1.doesnotexist0")).toBeUndefined();
      expect(await registry.release("not-a-placement-id")).toBeUndefined();
      const after = await registry.getHost("h1");
      expect([after?.freeCpu, after?.freeMemory, after?.placements]).toEqual([4000, 8192, []]);
    });

    it("changes labels, status and totals, keeping reservations accounted", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      await registry.commit({ placement: placement("h1", 1000, 1024) });
      const changed = await registry.changeHost(
        "h1",
        { status: "draining", labels: { zone: "b" }, total: { cpu: 8000, memory: 4096 } },
        LATER,
      );
      expect(changed).toMatchObject({
        status: "draining",
        statusChangedAt: LATER.toISOString(),
        labels: { zone: "b" },
        total: { cpu: 8000, memory: 4096 },
        freeCpu: 7000,
        freeMemory: 3072,
        updatedAt: LATER.toISOString(),
      });
      // A change answers with the events it added; getHost shows the last ones.
      expect({ ...(await registry.getHost("h1")), events: [] }).toEqual({ ...changed, events: [] });
      await expect(registry.changeHost("h1", { total: { cpu: 999 } }, LATER)).rejects.toBeInstanceOf(
        CapacityBelowReservedError,
      );
      await expect(registry.changeHost("h1", { total: { cpu: 1000 } }, LATER)).resolves.toMatchObject({
        freeCpu: 0,
      });
      await expect(registry.changeHost("ghost", { status: "ready" }, LATER)).rejects.toBeInstanceOf(
        HostNotFoundError,
      );
    });

    it("records what a refresh observed: engine, health, events; unmanaged use may leave free below zero", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 2, 2048));
      await registry.commit({ placement: placement("h1", 1000, 1024) });
      const engine = {
        version: "20.10.24",
        cpuMilli: 2000,
        memory: 2048,
        unmanaged: { containers: 2, cpuMilli: 1500, memory: 512 },
        used: { cpuMilli: 300, memory: 100 },
        observedAt: LATER.toISOString(),
      };
      const health = { failures: 0, lastProbeAt: LATER.toISOString(), lastError: null };
      const events = [{ at: LATER.toISOString(), action: "unmanaged", detail: "2 containers" }];
      // Without `observed`, the same change is refused: it would leave less free than zero.
      await expect(registry.changeHost("h1", { engine }, LATER)).rejects.toBeInstanceOf(
        CapacityBelowReservedError,
      );
      const changed = await registry.changeHost("h1", { engine, health, events, observed: true }, LATER);
      expect(changed).toMatchObject({ engine, health, freeCpu: -500, freeMemory: 512 });
      expect(changed.events.at(-1)).toEqual(events[0]);
      // A change answers with the events it added; getHost shows the last ones.
      expect({ ...(await registry.getHost("h1")), events: [] }).toEqual({ ...changed, events: [] });
      expect((await registry.commit({ placement: placement("h1", 1, 1) })).kind).toBe("conflict");
      // The containers go away: their share comes back, the placement's stays reserved.
      const cleared = { ...engine, unmanaged: { containers: 0, cpuMilli: 0, memory: 0 } };
      const after = await registry.changeHost("h1", { engine: cleared, observed: true }, LATER);
      expect([after.freeCpu, after.freeMemory]).toEqual([1000, 1024]);
    });

    it("marks a host down with a reason, and keeps status changes as events", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 2, 2048));
      const down = await registry.changeHost(
        "h1",
        { status: "down", statusReason: "no answer", observed: true },
        LATER,
      );
      expect([down.status, down.statusReason, down.statusChangedAt]).toEqual([
        "down",
        "no answer",
        LATER.toISOString(),
      ]);
      expect(down.events.at(-1)).toEqual({
        at: LATER.toISOString(),
        action: "status down",
        detail: "no answer",
      });
      expect((await registry.commit({ placement: placement("h1", 1, 1) })).kind).toBe("conflict");
    });

    it("makes a host of unknown capacity schedulable once its totals are set", async () => {
      const registry = await makeRegistry();
      await registry.addHost(newHost({ addr: "127.0.1.250:2375" }, NOW));
      const changed = await registry.changeHost(
        "127-0-1-250-2375",
        { total: { cpu: 2000, memory: 1024 } },
        LATER,
      );
      expect([changed.freeCpu, changed.freeMemory]).toEqual([2000, 1024]);
      expect((await registry.commit({ placement: placement(changed.id, 2000, 1024) })).kind).toBe(
        "committed",
      );
    });

    it("removes an idle host, refuses a busy one unless forced", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("idle", 1, 1));
      await registry.addHost(host("busy", 1, 1024));
      await registry.commit({ placement: placement("busy", 100, 100) });
      expect(await registry.removeHost("idle", false)).toBe(true);
      expect(await registry.removeHost("idle", false)).toBe(false);
      await expect(registry.removeHost("busy", false)).rejects.toEqual(new HostBusyError("busy", 1));
      expect(await registry.removeHost("busy", true)).toBe(true);
      expect(await registry.getHost("busy")).toBeUndefined();
    });

    it("records an idempotency key with its commit, and refuses a second commit under that key", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      const first = placement("h1", 100, 100);
      const record = idempotencyRecord("key-1", first.id);
      expect(await registry.commit({ placement: first, idempotency: record })).toEqual({ kind: "committed" });
      expect(await registry.findIdempotencyRecord("key-1", 2_000)).toEqual(record);

      const second = placement("h1", 100, 100);
      const outcome = await registry.commit({
        placement: second,
        idempotency: idempotencyRecord("key-1", second.id),
      });
      expect(outcome).toEqual({ kind: "duplicate", record });
      expect((await registry.getHost("h1"))?.placements.map((live) => live.id)).toEqual([first.id]);
    });

    it("lets an idempotency key be used again once its record has expired", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      const old = idempotencyRecord("key-2", "h1.old0000000", 1_000);
      await registry.commit({ placement: placement("h1", 100, 100), idempotency: old });
      // A record lives through its expiresAt second, as DynamoDB's TTL keeps it at least that long.
      expect(await registry.findIdempotencyRecord("key-2", old.expiresAt)).toEqual(old);
      expect(await registry.findIdempotencyRecord("key-2", old.expiresAt + 1)).toBeUndefined();
      const fresh = placement("h1", 100, 100);
      const renewed = idempotencyRecord("key-2", fresh.id, old.expiresAt + 1);
      expect(await registry.commit({ placement: fresh, idempotency: renewed })).toEqual({
        kind: "committed",
      });
      expect(await registry.findIdempotencyRecord("key-2", old.expiresAt + 2)).toEqual(renewed);
    });

    it("writes no idempotency record when the host refuses the commit", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 1, 100));
      const made = placement("h1", 2000, 100);
      const outcome = await registry.commit({
        placement: made,
        idempotency: idempotencyRecord("key-3", made.id),
      });
      expect(outcome.kind).toBe("conflict");
      expect(await registry.findIdempotencyRecord("key-3", 2_000)).toBeUndefined();
    });

    it("binds a key to a refusal for the duplicates of its delivery only", async () => {
      const registry = await makeRegistry();
      await registry.addHost(host("h1", 4, 8192));
      const refusal = idempotencyRecord("key-4", "none", 1_000, "unschedulable", "delivery-A");
      expect(await registry.recordRefusal(refusal)).toBeUndefined();
      expect(await registry.findIdempotencyRecord("key-4", 1_001)).toEqual(refusal);
      expect(await registry.recordRefusal({ ...refusal, outcome: "contention" })).toEqual(refusal);

      // A duplicate of delivery A may not place under the key; another delivery may.
      const duplicate = placement("h1", 100, 100);
      const outcome = await registry.commit({
        placement: duplicate,
        idempotency: idempotencyRecord("key-4", duplicate.id, 1_001, "placed", "delivery-A"),
      });
      expect(outcome).toEqual({ kind: "duplicate", record: refusal });
      const retry = placement("h1", 100, 100);
      const placed = idempotencyRecord("key-4", retry.id, 1_002, "placed", "delivery-B");
      expect(await registry.commit({ placement: retry, idempotency: placed })).toEqual({ kind: "committed" });
      expect((await registry.getHost("h1"))?.placements.map((live) => live.id)).toEqual([retry.id]);

      // Once placed, the key refuses nobody's refusal: the placement is the answer for everyone.
      expect(
        await registry.recordRefusal({ ...refusal, deliveryId: "delivery-C", createdAt: 1_003 }),
      ).toEqual(placed);
    });
  });
}
