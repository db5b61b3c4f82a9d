import { describe, expect, it } from "vitest";
import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { NEAR_BEST } from "../../shared/core/pipeline.js";
import {
  type PlaceDependencies,
  type PlaceInput,
  type PlaceOutcome,
  place,
} from "../../shared/core/place.js";
import type { CommitOutcome, CommitRequest, Registry } from "../../shared/core/registry.js";
import type { ContainerRequest } from "../../shared/core/request.js";
import { amounts } from "../../shared/core/resources.js";
import { FIRST_SLICES, HostSnapshot, SLICE_HOSTS } from "../../shared/core/snapshot.js";
import { host, loopbackOf, NOW, placement, scheduler } from "../support/fixtures.js";

const service = scheduler("service");

function input(cpuMilli = 500, memory = 512, extra: Partial<PlaceInput> = {}): PlaceInput {
  const request: ContainerRequest = {
    image: "redis:7",
    amounts: amounts({ cpu: cpuMilli, memory }),
    type: "service",
    constraints: [],
    labels: {},
  };
  return {
    request,
    container: { image: "redis:7", cpus: String(cpuMilli / 1000), memory, type: "service" },
    fingerprint: `fp-${cpuMilli}-${memory}`,
    deliveryId: crypto.randomUUID(),
    ...extra,
  };
}

/** Dependencies around a registry; the snapshot never goes stale by age unless told. */
function deps(registry: Registry, maxAgeMs = 60_000): PlaceDependencies & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    registry,
    snapshot: new HostSnapshot(registry, maxAgeMs),
    maxAttempts: 5,
    now: () => NOW,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    sleeps,
  };
}

/** The answer of a placed outcome; any other outcome fails the test. */
function answerOf(outcome: PlaceOutcome | undefined): Record<string, unknown> {
  if (outcome?.kind !== "placed") throw new Error(`expected a placement, got ${outcome?.kind}`);
  return outcome.answer;
}

/** The in-memory registry, counting how often the whole view is read. */
class CountingRegistry extends MemoryRegistry {
  reads = 0;
  override async listHosts() {
    this.reads++;
    return super.listHosts();
  }
}

/** A registry whose commits answer from a script first, then as the real in-memory registry. */
class ScriptedRegistry extends MemoryRegistry {
  readonly commits: CommitRequest[] = [];
  constructor(readonly script: CommitOutcome[]) {
    super();
  }
  override async commit(request: CommitRequest): Promise<CommitOutcome> {
    this.commits.push(request);
    return this.script.shift() ?? super.commit(request);
  }
}

describe("the placement loop on a slice of the hosts", () => {
  /** A cluster of `count` hosts of 1 CPU, with the room left only on `roomy`; sliced views read. */
  async function sliced(count: number, roomy: string[], random = () => 0.5) {
    const registry = new CountingRegistry();
    const slices: number[] = [];
    const sliceHosts = registry.sliceHosts.bind(registry);
    registry.sliceHosts = async (slice, of) => {
      slices.push(of);
      return sliceHosts(slice, of);
    };
    for (let index = 0; index < count; index++) {
      const id = `h${index}`;
      await registry.addHost(host(id, roomy.includes(id) ? 4 : 1, 4096));
    }
    let ticks = 0;
    const dependencies = {
      ...deps(registry, 0),
      // A clock that moves on every look: each request finds the view stale.
      snapshot: new HostSnapshot(registry, 0, () => ticks++, random),
    };
    return { registry, slices, dependencies, sliceHosts };
  }

  it(`reads one slice of about ${SLICE_HOSTS} hosts once the cluster has two slices' worth`, async () => {
    // Cold, a scheduler reads one slice in FIRST_SLICES; one without a host says the cluster is small.
    const draw = { at: 0.5 };
    const { registry, slices, dependencies, sliceHosts } = await sliced(SLICE_HOSTS * 5, [], () => draw.at);
    let empty = 0;
    while ((await sliceHosts(empty, FIRST_SLICES)).length > 0) empty++;
    draw.at = (empty + 0.5) / FIRST_SLICES;
    slices.length = 0;
    const first = await place(scheduler("batch"), input(500), dependencies);
    expect(first.kind).toBe("placed");
    expect([registry.reads, slices]).toEqual([1, [FIRST_SLICES]]);
    // Known to hold 200 hosts: five slices.
    expect((await place(scheduler("batch"), input(500), dependencies)).kind).toBe("placed");
    expect([registry.reads, slices]).toEqual([1, [FIRST_SLICES, 5]]);
  });

  it("reads one slice even cold on a large cluster, estimating its size from it", async () => {
    const { registry, slices, dependencies, sliceHosts } = await sliced(SLICE_HOSTS * 200, []);
    const probe = (await sliceHosts(FIRST_SLICES / 2, FIRST_SLICES)).length;
    expect((await place(scheduler("batch"), input(500), dependencies)).kind).toBe("placed");
    expect((await place(scheduler("batch"), input(500), dependencies)).kind).toBe("placed");
    expect(registry.reads).toBe(0);
    expect(slices).toEqual([FIRST_SLICES, Math.floor((probe * FIRST_SLICES) / SLICE_HOSTS)]);
  });

  it("decides again on every host, never answering 409 on a slice, before it says unschedulable", async () => {
    const { registry, dependencies } = await sliced(SLICE_HOSTS * 4, []);
    await place(scheduler("batch"), input(100), dependencies);
    // The one host with room for 2 CPUs is outside the slice the next request reads (random 0.5: 2 of 4).
    const inSlice = new Set((await registry.sliceHosts(2, 4)).map((one) => one.id));
    const roomy = (await registry.listHosts()).find((one) => !inSlice.has(one.id))?.id ?? "";
    await registry.changeHost(roomy, { total: { cpu: 4000 } }, NOW);
    const reads = registry.reads;
    // Each request reads its slice, finds no room there, and reads every host once.
    const fits = await place(scheduler("batch"), input(2000), dependencies);
    expect(fits.kind === "placed" && fits.host?.id).toBe(roomy);
    expect(registry.reads - reads).toBe(1);
    const none = await place(scheduler("batch"), input(3000), dependencies);
    expect(none.kind).toBe("unschedulable");
    expect(none.kind === "unschedulable" && none.answer.hosts).toBe(SLICE_HOSTS * 4);
    expect(registry.reads - reads).toBe(2);
  });
});

describe("the placement loop", () => {
  it("scans a large view from its first host for a packing type, from a random one otherwise", async () => {
    // 300 equal hosts, every one feasible: a decision scans until 100 are (feasibleEnough), and the
    // random draws are all 0.5, so a random scan starts at h150.
    const registry = new MemoryRegistry();
    for (let index = 0; index < 300; index++) await registry.addHost(host(`h${index}`, 4, 8192));
    const whole = { ...deps(registry), random: () => 0.5 };
    whole.snapshot = new HostSnapshot(
      registry,
      60_000,
      () => 0,
      () => 0.5,
      Number.POSITIVE_INFINITY,
    );
    const hostOf = async (type: string) => {
      const outcome = await place(scheduler(type), { ...input(500), deliveryId: type }, whole);
      return Number(String(outcome.kind === "placed" && outcome.placement?.hostId).slice(1));
    };
    expect(await hostOf("batch")).toBeLessThan(100);
    expect(await hostOf("service")).toBeGreaterThanOrEqual(150);
  });

  it("breaks ties by the view's order for a packing type, at random for others", async () => {
    // Three equal empty hosts and random draws of 0.99. Service scans from a random host (t2: t2, t0, t1)
    // and takes the last of its ties; gpu (packing, and scoring hosts without GPUs alike) scans from the
    // first and takes the first.
    const registry = new MemoryRegistry();
    for (const id of ["t0", "t1", "t2"]) await registry.addHost(host(id, 4, 8192));
    const hostOf = async (type: string) => {
      const outcome = await place(
        scheduler(type),
        { ...input(500), deliveryId: type },
        {
          ...deps(registry),
          random: () => 0.99,
        },
      );
      return outcome.kind === "placed" ? outcome.placement?.hostId : outcome.kind;
    };
    expect(await hostOf("service")).toBe("t1");
    expect(await hostOf("gpu")).toBe("t0");
  });

  it("places on the best host and answers the seed's shape", async () => {
    const registry = new MemoryRegistry();
    await registry.addHost(host("h1", 4, 8192));
    const outcome = await place(service, input(200, 512), deps(registry));
    expect(outcome).toMatchObject({
      kind: "placed",
      replayed: false,
      stats: { attempts: 1, conflicts: 0, busy: 0 },
      answer: {
        container: { image: "redis:7", cpus: "0.2", memory: 512, type: "service" },
        resource: { id: "h1", addr: loopbackOf("h1"), total_cpus: 4, total_memory: 8192 },
        placement: { host_id: "h1", scheduler: "service", cpus: 0.2, memory: 512 },
      },
    });
    expect((await registry.getHost("h1"))?.freeCpu).toBe(3800);
  });

  it("after a conflict on a stale snapshot, learns the host's state and places elsewhere", async () => {
    const registry = new MemoryRegistry();
    await registry.addHost(host("big", 8, 8192));
    await registry.addHost(host("small", 1, 1024));
    const stale = deps(registry);
    await stale.snapshot.reload();
    // Another scheduler fills "big" behind this snapshot's back.
    await place(service, input(8000, 4096), deps(registry));
    const outcome = await place(service, input(1000, 1024), stale);
    expect(outcome.kind).toBe("placed");
    expect(outcome.stats).toEqual({ attempts: 2, conflicts: 1, busy: 0 });
    expect((await registry.getHost("small"))?.placements).toHaveLength(1);
  });

  it("answers unschedulable only after reading the hosts again, never from a stale view", async () => {
    const registry = new MemoryRegistry();
    const stale = deps(registry);
    await stale.snapshot.reload();
    await registry.addHost(host("late", 2, 2048));
    expect((await place(service, input(), stale)).kind).toBe("placed");

    const outcome = await place(service, input(4000, 512), stale);
    expect(outcome).toMatchObject({
      kind: "unschedulable",
      replayed: false,
      answer: {
        hosts: 1,
        reasons: { "insufficient cpu": 1 },
        message: "0/1 hosts are available: 1 insufficient cpu.",
      },
    });
    expect(outcome.stats.attempts).toBe(0);
  });

  it("answers contention once the attempts run out, backing off between busy answers", async () => {
    const busy: CommitOutcome = { kind: "busy", unknownOutcome: false, cause: "ThrottlingException" };
    const registry = new ScriptedRegistry(Array.from({ length: 10 }, () => busy));
    await registry.addHost(host("h1", 4, 4096));
    const dependencies = deps(registry);
    const outcome = await place(service, input(), dependencies);
    expect(outcome).toEqual({
      kind: "contention",
      answer: { error: "contention", message: "no commit succeeded in 5 attempts under contention; retry" },
      replayed: false,
      stats: { attempts: 5, conflicts: 0, busy: 5 },
    });
    expect(dependencies.sleeps).toHaveLength(5);
    expect((await registry.getHost("h1"))?.placements).toEqual([]);
  });

  it("replays the same placement on the same host after an unknown outcome", async () => {
    const registry = new ScriptedRegistry([{ kind: "busy", unknownOutcome: true, cause: "TimeoutError" }]);
    await registry.addHost(host("h1", 4, 4096));
    await registry.addHost(host("h2", 4, 4096));
    const outcome = await place(service, input(), deps(registry));
    expect(outcome.kind).toBe("placed");
    const [firstTry, secondTry] = registry.commits;
    expect(secondTry?.placement).toEqual(firstTry?.placement);
  });

  it("returns the first answer for a repeated idempotency key and charges once", async () => {
    const registry = new MemoryRegistry();
    await registry.addHost(host("h1", 4, 4096));
    const keyed = input(1000, 1024, { idempotencyKey: "order-42" });
    const first = await place(service, keyed, deps(registry));
    expect(first).toMatchObject({ kind: "placed", replayed: false });
    const again = await place(service, keyed, deps(registry));
    expect(again).toMatchObject({ kind: "placed", replayed: true, answer: answerOf(first) });
    // Answered from the record, before any decision: nothing was committed again.
    expect(again.stats).toEqual({ attempts: 0, conflicts: 0, busy: 0 });
    expect((await registry.getHost("h1"))?.freeCpu).toBe(3000);
    // The record holds the answer for 24 hours (as ECS keeps a clientToken), then the key is free.
    const createdAt = NOW.getTime() / 1000;
    expect(await registry.findIdempotencyRecord("order-42", createdAt)).toMatchObject({
      createdAt,
      expiresAt: createdAt + 86_400,
    });

    const otherBody = input(2000, 1024, { idempotencyKey: "order-42" });
    expect((await place(service, otherBody, deps(registry))).kind).toBe("idempotency-key-reused");
    expect((await registry.getHost("h1"))?.placements).toHaveLength(1);
  });

  it("resolves a race on one idempotency key to a single placement", async () => {
    const registry = new MemoryRegistry();
    await registry.addHost(host("h1", 4, 4096));
    const keyed = input(100, 100, { idempotencyKey: "race" });
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => place(service, keyed, deps(registry))),
    );
    expect(outcomes.every((outcome) => outcome.kind === "placed")).toBe(true);
    expect(
      new Set(outcomes.map((outcome) => outcome.kind === "placed" && JSON.stringify(outcome.answer))).size,
    ).toBe(1);
    expect((await registry.getHost("h1"))?.placements).toHaveLength(1);
  });
});

describe("refusals under an idempotency key", () => {
  it("bind the key for duplicates of the same delivery only", async () => {
    const registry = new MemoryRegistry();
    await registry.addHost(host("small", 1, 1024));
    const keyed = input(2000, 512, { idempotencyKey: "big-job", deliveryId: "delivery-1" });
    expect((await place(service, keyed, deps(registry))).kind).toBe("unschedulable");
    await registry.addHost(host("big", 4, 4096));
    // The same invocation delivered again gives the same answer, though the cluster changed...
    expect(await place(service, keyed, deps(registry))).toMatchObject({
      kind: "unschedulable",
      replayed: true,
    });
    // ...while the caller's own retry is scheduled afresh.
    const retry = await place(service, { ...keyed, deliveryId: "delivery-2" }, deps(registry));
    expect(retry).toMatchObject({ kind: "placed", replayed: false });
  });

  it("give a duplicated invocation one answer and one placement", async () => {
    const registry = new MemoryRegistry();
    await registry.addHost(host("h1", 1, 1024));
    const keyed = input(1000, 512, { idempotencyKey: "twice", deliveryId: "delivery-1" });
    const [first, second] = await Promise.all([
      place(service, keyed, deps(registry)),
      place(service, keyed, deps(registry)),
    ]);
    expect(second).toMatchObject({ kind: "placed", answer: answerOf(first) });
    expect((await registry.getHost("h1"))?.placements).toHaveLength(1);
  });
});

describe("unknown outcomes", () => {
  it("reads the host back when the attempts run out right after a write that may have landed", async () => {
    // Every attempt "times out", but the first one landed: the answer is the placement, not a 503.
    class LandedThenTimedOut extends MemoryRegistry {
      override async commit(request: CommitRequest): Promise<CommitOutcome> {
        await super.commit(request);
        return { kind: "busy", unknownOutcome: true, cause: "TimeoutError" };
      }
    }
    const registry = new LandedThenTimedOut();
    await registry.addHost(host("h1", 4, 4096));
    const outcome = await place(service, input(), deps(registry));
    expect(outcome).toMatchObject({ kind: "placed", stats: { attempts: 5, busy: 5 } });
    expect((await registry.getHost("h1"))?.placements).toHaveLength(1);
  });
});

describe("contention", () => {
  it(`retries a conflict on one of the ${NEAR_BEST} best hosts, not always the best`, async () => {
    const registry = new MemoryRegistry();
    await registry.addHost(host("empty", 4, 4096));
    for (const [id, reserved] of [
      ["b", 1000],
      ["c", 2000],
      ["d", 3000],
    ] as const) {
      await registry.addHost(host(id, 4, 4096));
      await registry.commit({ placement: placement(id, reserved, 512) });
    }
    const stale = { ...deps(registry), random: () => 0.99 };
    await stale.snapshot.reload();
    // Another scheduler fills "empty", the best host, behind this snapshot's back.
    await registry.commit({ placement: placement("empty", 4000, 512) });
    const outcome = await place(service, input(500, 256), stale);
    // The last of the three best left (b, c, d by spread's score), as the draw says.
    expect(outcome).toMatchObject({
      kind: "placed",
      host: { id: "d" },
      stats: { attempts: 2, conflicts: 1 },
    });
  });

  it("reads the whole view again after a second conflict, and answers from it", async () => {
    const registry = new CountingRegistry();
    for (const id of ["a", "b", "c"]) await registry.addHost(host(id, 1, 1024));
    const stale = deps(registry);
    await stale.snapshot.reload();
    // Another scheduler fills a and b behind this snapshot's back; only c has room.
    for (const id of ["a", "b"]) await registry.commit({ placement: placement(id, 1000, 512) });
    const outcome = await place(service, input(1000, 512), stale);
    expect(outcome).toMatchObject({ kind: "placed", stats: { attempts: 3, conflicts: 2 } });
    expect(registry.reads).toBe(2);
  });
});

describe("the placement loop's bookkeeping", () => {
  it("backs off busy answers with full jitter: up to 20, 40, 80 ... ms, capped at 500 ms", async () => {
    const busy: CommitOutcome = { kind: "busy", unknownOutcome: false, cause: "ThrottlingException" };
    const registry = new ScriptedRegistry(Array.from({ length: 8 }, () => busy));
    await registry.addHost(host("h1", 4, 4096));
    const dependencies = { ...deps(registry), maxAttempts: 8, random: () => 0.5 };
    expect((await place(service, input(), dependencies)).kind).toBe("contention");
    expect(dependencies.sleeps).toEqual([10, 20, 40, 80, 160, 250, 250, 250]);
  });

  it("decides anew after a busy answer that did not land, and after a conflict", async () => {
    const busy = (unknownOutcome: boolean): CommitOutcome => ({ kind: "busy", unknownOutcome, cause: "x" });
    const registry = new ScriptedRegistry([busy(true), { kind: "conflict", host: undefined }, busy(false)]);
    await registry.addHost(host("h1", 4, 4096));
    await registry.addHost(host("h2", 4, 4096));
    const outcome = await place(service, input(), { ...deps(registry), maxAttempts: 4 });
    expect(outcome.kind).toBe("placed");
    const ids = registry.commits.map((commit) => commit.placement.id);
    // The unknown outcome is replayed as it was; each later attempt is a decision of its own.
    expect(ids).toHaveLength(4);
    expect(ids[1]).toBe(ids[0]);
    expect(new Set(ids.slice(1)).size).toBe(3);
  });

  it("keeps choosing among the near-best hosts after a conflict and a busy answer", async () => {
    const registry = new ScriptedRegistry([]);
    for (const [id, reserved] of [
      ["a", 0],
      ["b", 1000],
      ["c", 2000],
      ["d", 3000],
    ] as const) {
      await registry.addHost(host(id, 4, 4096));
      if (reserved > 0) await registry.commit({ placement: placement(id, reserved, 512) });
    }
    registry.script.push(
      { kind: "conflict", host: await registry.getHost("a") },
      { kind: "busy", unknownOutcome: false, cause: "ThrottlingException" },
    );
    const outcome = await place(service, input(500, 256), { ...deps(registry), random: () => 0.99 });
    // The first three commits set the hosts up.
    expect(registry.commits.slice(3).map((commit) => commit.placement.hostId)).toEqual(["a", "c", "c"]);
    expect(outcome).toMatchObject({ kind: "placed", stats: { attempts: 3, conflicts: 1, busy: 1 } });
  });

  it("answers contention when every attempt timed out and the placement never landed", async () => {
    const timedOut: CommitOutcome = { kind: "busy", unknownOutcome: true, cause: "TimeoutError" };
    const registry = new ScriptedRegistry(Array.from({ length: 5 }, () => timedOut));
    await registry.addHost(host("h1", 4, 4096));
    const outcome = await place(service, input(), deps(registry));
    expect(outcome).toMatchObject({ kind: "contention", stats: { attempts: 5, busy: 5 } });
    expect((await registry.getHost("h1"))?.placements).toEqual([]);
  });

  it("answers a duplicate from the arbiter with the record it holds", async () => {
    const keyed = input(500, 512, { idempotencyKey: "dup" });
    const record = {
      key: "dup",
      fingerprint: keyed.fingerprint,
      outcome: "placed" as const,
      answer: { first: true },
      deliveryId: "other",
      createdAt: 0,
      expiresAt: 86_400,
    };
    const registry = new ScriptedRegistry([{ kind: "duplicate", record }]);
    await registry.addHost(host("h1", 4, 4096));
    const outcome = await place(service, keyed, deps(registry));
    expect(outcome).toMatchObject({ kind: "placed", replayed: true, answer: { first: true } });
    expect(registry.commits).toHaveLength(1);
  });

  it("never records a refusal for a key whose body was another request's", async () => {
    const keyed = input(500, 512, { idempotencyKey: "reused" });
    const record = {
      key: "reused",
      fingerprint: "another body",
      outcome: "placed" as const,
      answer: {},
      deliveryId: "other",
      createdAt: 0,
      expiresAt: 86_400,
    };
    const registry = new ScriptedRegistry([{ kind: "duplicate", record }]);
    let refusals = 0;
    registry.recordRefusal = async () => {
      refusals++;
      return undefined;
    };
    await registry.addHost(host("h1", 4, 4096));
    expect((await place(service, keyed, deps(registry))).kind).toBe("idempotency-key-reused");
    expect(refusals).toBe(0);
  });

  it("never tries again a host whose commit the store refused, even when a reload brings it back", async () => {
    const registry = new ScriptedRegistry([]);
    await registry.addHost(host("big", 8, 8192));
    await registry.addHost(host("small", 2, 2048));
    const small = await registry.getHost("small");
    registry.script.push(
      { kind: "refused", hostId: "big", reason: "r", detail: "item too large" },
      { kind: "conflict", host: small },
      { kind: "conflict", host: small },
    );
    // A view read before the request: the second conflict reads it again, and "big" comes back in it.
    const dependencies = deps(registry);
    await dependencies.snapshot.reload();
    // No onRefused given: the loop must not need one.
    const outcome = await place(service, input(500, 512), dependencies);
    expect(outcome).toMatchObject({
      kind: "placed",
      host: { id: "small" },
      stats: { attempts: 4, conflicts: 2 },
    });
    expect((await registry.getHost("big"))?.placements).toEqual([]);
  });

  it("reads a stale view again before deciding, so a host gone full costs no conflict", async () => {
    let nowMs = 0;
    const registry = new MemoryRegistry();
    await registry.addHost(host("h1", 1, 1024));
    await registry.addHost(host("h2", 1, 1024));
    const dependencies = { ...deps(registry), snapshot: new HostSnapshot(registry, 1000, () => nowMs) };
    await dependencies.snapshot.reload();
    await registry.commit({ placement: placement("h1", 1000, 1024) });
    nowMs = 5000;
    const outcome = await place(service, input(500, 512), dependencies);
    expect(outcome).toMatchObject({
      kind: "placed",
      host: { id: "h2" },
      stats: { attempts: 1, conflicts: 0 },
    });
  });

  it("answers unschedulable from the view read after a second conflict, without reading it again", async () => {
    const registry = new CountingRegistry();
    for (const id of ["a", "b"]) await registry.addHost(host(id, 1, 1024));
    const stale = deps(registry);
    await stale.snapshot.reload();
    for (const id of ["a", "b"]) await registry.commit({ placement: placement(id, 1000, 512) });
    const outcome = await place(service, input(1000, 512), stale);
    expect(outcome).toMatchObject({ kind: "unschedulable", stats: { attempts: 2, conflicts: 2 } });
    expect(registry.reads).toBe(2);
  });
});
