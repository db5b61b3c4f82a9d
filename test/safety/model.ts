import fc from "fast-check";
import { type GpuGrant, WHOLE } from "../../shared/core/gpus.js";
import { gpuShares, type Host, newHost } from "../../shared/core/host.js";
import type { Placement, PlacementSummary } from "../../shared/core/placement.js";
import type { IdempotencyRecord, Registry } from "../../shared/core/registry.js";
import { amounts } from "../../shared/core/resources.js";
import { loopbackOf, NOW, placement } from "../support/fixtures.js";

/** One step of a random history of register / place / release / drain / change / delete. */
export type Step =
  | { op: "add"; host: string; cpus: number; memory: number; disk: number; gpus: number }
  | {
      op: "place";
      host: string;
      cpuMilli: number;
      memory: number;
      disk: number;
      port?: number;
      gpus?: GpuGrant;
      key?: string;
      delivery: string;
    }
  | { op: "unmanaged"; host: string; ports: string[] }
  | { op: "gpus"; host: string; count: number }
  | { op: "release"; pick: number }
  | { op: "status"; host: string; status: "ready" | "draining" }
  | { op: "totals"; host: string; cpuMilli: number; memory: number }
  | { op: "labels"; host: string; labels: Record<string, string> }
  | { op: "delete"; host: string; force: boolean }
  | { op: "refuse"; key: string; delivery: string };

const hostId = fc.constantFrom("a", "b", "c");
const key = fc.constantFrom("k1", "k2", "k3");
const delivery = fc.constantFrom("d1", "d2");

/** Random histories, weighted towards placements. */
export const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    {
      arbitrary: fc.record({
        op: fc.constant("add" as const),
        host: hostId,
        cpus: fc.integer({ min: 1, max: 4 }),
        memory: fc.integer({ min: 256, max: 4096 }),
        // 0: no disk declared (such a host takes no request for disk).
        disk: fc.constantFrom(0, 1000, 3000),
        // 0: no GPU (such a host takes no grant).
        gpus: fc.constantFrom(0, 1, 2),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record(
        {
          op: fc.constant("place" as const),
          host: hostId,
          cpuMilli: fc.integer({ min: 1, max: 2500 }),
          memory: fc.integer({ min: 1, max: 3000 }),
          disk: fc.constantFrom(0, 0, 400, 900),
          // Few host ports, so placements collide on them.
          port: fc.constantFrom(80, 81),
          // Shares that fill a device in twos or threes, and whole devices, some past a host's count.
          gpus: fc.constantFrom<GpuGrant>(
            { devices: [0], share: 600 },
            { devices: [0], share: 400 },
            { devices: [1], share: 300 },
            { devices: [1], share: WHOLE },
            { devices: [0, 1], share: WHOLE },
          ),
          key,
          delivery,
        },
        { requiredKeys: ["op", "host", "cpuMilli", "memory", "disk", "delivery"] },
      ),
      weight: 6,
    },
    { arbitrary: fc.record({ op: fc.constant("release" as const), pick: fc.nat() }), weight: 3 },
    {
      arbitrary: fc.record({
        op: fc.constant("status" as const),
        host: hostId,
        status: fc.constantFrom("ready" as const, "draining" as const),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        op: fc.constant("totals" as const),
        host: hostId,
        cpuMilli: fc.integer({ min: 1, max: 5000 }),
        memory: fc.integer({ min: 1, max: 5000 }),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        op: fc.constant("labels" as const),
        host: hostId,
        labels: fc.dictionary(fc.constantFrom("zone", "disk"), fc.constantFrom("x", "y")),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({ op: fc.constant("delete" as const), host: hostId, force: fc.boolean() }),
      weight: 1,
    },
    { arbitrary: fc.record({ op: fc.constant("refuse" as const), key, delivery }), weight: 1 },
    {
      arbitrary: fc.record({
        op: fc.constant("unmanaged" as const),
        host: hostId,
        ports: fc.subarray(["80/tcp", "53/udp"]),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        op: fc.constant("gpus" as const),
        host: hostId,
        count: fc.constantFrom(1, 2, 3),
      }),
      weight: 1,
    },
  ),
  // Long histories from the first run on: short ones rarely build up enough state to go wrong.
  { minLength: 10, maxLength: 60, size: "max" },
);

/** Applies one step to a registry; the answer, made comparable (errors by class, hosts normalised). */
async function apply(registry: Registry, step: Step, index: number, made: Placement[]): Promise<unknown> {
  const changedAt = new Date(NOW.getTime() + index * 1000);
  const record = (
    keyName: string,
    deliveryId: string,
    outcome: IdempotencyRecord["outcome"],
    id: string,
  ) => ({
    key: keyName,
    fingerprint: "f",
    outcome,
    answer: { id },
    deliveryId,
    createdAt: 1000 + index,
    expiresAt: 100_000,
  });
  try {
    switch (step.op) {
      case "add":
        return await registry.addHost(
          newHost(
            {
              addr: loopbackOf(step.host),
              id: step.host,
              total_cpus: step.cpus * 1000,
              total_memory: step.memory,
              ...(step.disk > 0 && { total_disk: step.disk }),
              ...(step.gpus > 0 && { gpus: { count: step.gpus, model: "T4" } }),
            },
            NOW,
          ),
        );
      case "place": {
        const candidate = made[index] ?? sized(step);
        made[index] = candidate;
        const idempotency = step.key && record(step.key, step.delivery, "placed", candidate.id);
        const outcome = await registry.commit({ placement: candidate, ...(idempotency && { idempotency }) });
        return outcome.kind === "conflict" || outcome.kind === "committed"
          ? { kind: outcome.kind, host: outcome.host && normalise(outcome.host) }
          : outcome;
      }
      case "release": {
        const known = made.filter(Boolean);
        return await registry.release(known[step.pick % Math.max(1, known.length)]?.id ?? "a.unknown0000");
      }
      case "status":
        return normalise(await registry.changeHost(step.host, { status: step.status }, changedAt));
      case "totals":
        return normalise(
          await registry.changeHost(
            step.host,
            { total: { cpu: step.cpuMilli, memory: step.memory } },
            changedAt,
          ),
        );
      case "labels":
        return normalise(await registry.changeHost(step.host, { labels: step.labels }, changedAt));
      case "delete":
        return await registry.removeHost(step.host, step.force);
      case "refuse":
        return await registry.recordRefusal(record(step.key, step.delivery, "unschedulable", "none"));
      case "unmanaged":
        return normalise(
          await registry.changeHost(step.host, { unmanagedPorts: step.ports, observed: true }, changedAt),
        );
      case "gpus":
        return normalise(
          await registry.changeHost(step.host, { gpus: { count: step.count, model: "T4" } }, changedAt),
        );
    }
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message };
  }
}

/** The placement a step asks for: its disk, and its host port and GPUs when it names them. */
function sized(step: Extract<Step, { op: "place" }>): Placement {
  const made = placement(step.host, step.cpuMilli, step.memory);
  return {
    ...made,
    amounts: amounts({ cpu: step.cpuMilli, memory: step.memory, disk: step.disk }),
    ...(step.port !== undefined && {
      ports: [{ container: 8080, host: step.port, protocol: "tcp" as const }],
    }),
    ...(step.gpus && { gpus: step.gpus }),
  };
}

/**
 * A host with its placements in id order and its labels in key order (a map has no order to keep),
 * without its events: answers and listings may leave them out (the state compares getHost's).
 */
function normalise(host: Host): Host {
  return {
    ...host,
    events: [],
    labels: Object.fromEntries(Object.entries(host.labels).sort(([a], [b]) => a.localeCompare(b))),
    placements: [...host.placements].sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/** The observable state: every host, placements in id order, and the idempotency records asked for. */
async function observe(registry: Registry): Promise<{ hosts: Host[]; records: unknown[] }> {
  const listed = (await registry.listHosts()).map(normalise).sort((a, b) => a.id.localeCompare(b.id));
  // Each host's last events, as getHost shows them.
  const hosts = await Promise.all(
    listed.map(async (host) => ({ ...host, events: (await registry.getHost(host.id))?.events ?? [] })),
  );
  const records = await Promise.all(
    ["k1", "k2", "k3"].map((name) => registry.findIdempotencyRecord(name, 1000)),
  );
  return { hosts, records };
}

/** Totals in cpu millis and MiB, and disk (MiB; 0 when none declared). */
type Totals = [cpuMilli: number, memory: number, disk: number];

/**
 * An oracle of its own arithmetic, beside the model: both registries compute host changes with the
 * core's changedHost, so a bug there would be the same in both. It knows each host's totals from the
 * steps alone (a resize lands if the host's placements fit in it) and checks free = total - Σ placements.
 */
class Ledger {
  private readonly totals = new Map<string, Totals>();

  /** Learns what a step did to the totals, judged on the hosts as they were before it. */
  apply(step: Step, answer: unknown, before: readonly Host[]): void {
    const failed = typeof answer === "object" && answer !== null && "error" in answer;
    if (step.op === "add" && !failed && !this.totals.has(step.host)) {
      this.totals.set(step.host, [step.cpus * 1000, step.memory, step.disk]);
    }
    if (step.op === "delete" && answer === true) this.totals.delete(step.host);
    const host = step.op === "totals" ? before.find((one) => one.id === step.host) : undefined;
    if (step.op === "totals" && host) {
      const sum = (pick: (placement: PlacementSummary) => number) =>
        host.placements.reduce((total, placement) => total + pick(placement), 0);
      if (sum((one) => one.amounts.cpu) <= step.cpuMilli && sum((one) => one.amounts.memory) <= step.memory) {
        this.totals.set(step.host, [step.cpuMilli, step.memory, this.totals.get(step.host)?.[2] ?? 0]);
      }
    }
  }

  /** What is wrong with the hosts' counters or ports, or undefined. */
  audit(hosts: readonly Host[]): string | undefined {
    for (const host of hosts) {
      const [cpuMilli, memory, disk] = this.totals.get(host.id) ?? [Number.NaN, Number.NaN, Number.NaN];
      const used = (pick: (placement: PlacementSummary) => number) =>
        host.placements.reduce((total, placement) => total + pick(placement), 0);
      const expected = [
        cpuMilli,
        memory,
        cpuMilli - used((one) => one.amounts.cpu),
        memory - used((one) => one.amounts.memory),
        disk - used((one) => one.amounts.disk),
      ];
      const actual = [host.total.cpu, host.total.memory, host.freeCpu, host.freeMemory, host.freeDisk];
      // A host port is held by one placement at most (an unmanaged container is a fact the refresh
      // observes, which may meet a placement's port: the commit only refuses to add to it).
      const held = host.placements
        .flatMap((one) => one.ports ?? [])
        .map((one) => `${one.host}/${one.protocol}`);
      if (new Set(held).size !== held.length) return `host ${host.id}: a host port is held twice: ${held}`;
      // A device's shares never pass one whole, and no placement holds a device the host lacks.
      const shares = gpuShares(host);
      const granted = host.placements.flatMap((one) => one.gpus?.devices ?? []);
      if (
        shares.some((share) => share > WHOLE) ||
        granted.some((device) => device >= (host.gpus?.count ?? 0))
      ) {
        return `host ${host.id}: GPU devices over-committed: ${JSON.stringify([host.gpus, shares, granted])}`;
      }
      if (JSON.stringify(expected) !== JSON.stringify(actual)) {
        return `host ${host.id}: totals and free ${JSON.stringify(actual)}, by the ledger ${JSON.stringify(expected)}`;
      }
    }
    return undefined;
  }
}

/**
 * Runs the same steps on the model (the in-memory registry) and the system (DynamoDB); returns the
 * first step after which their answers or their observable states differ, or the system's counters
 * disagree with the ledger's arithmetic; undefined when none does.
 */
export async function compare(
  model: Registry,
  system: Registry,
  history: Step[],
): Promise<string | undefined> {
  const made: Placement[] = [];
  const ledger = new Ledger();
  let before: Host[] = [];
  for (const [index, step] of history.entries()) {
    const [expected, actual] = [
      await apply(model, step, index, made),
      await apply(system, step, index, made),
    ];
    if (canonical(expected) !== canonical(actual)) {
      return `step ${index} ${JSON.stringify(step)}: model answered ${JSON.stringify(expected)}, system ${JSON.stringify(actual)}`;
    }
    const [modelState, systemState] = [await observe(model), await observe(system)];
    if (canonical(modelState) !== canonical(systemState)) {
      return `after step ${index} ${JSON.stringify(step)} the states differ:\nmodel  ${JSON.stringify(modelState)}\nsystem ${JSON.stringify(systemState)}`;
    }
    ledger.apply(step, actual, before);
    before = systemState.hosts;
    const wrong = ledger.audit(before);
    if (wrong) return `after step ${index} ${JSON.stringify(step)}: ${wrong}`;
  }
  return undefined;
}

/** JSON with object keys sorted: a stored map's key order is not part of its value. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}
