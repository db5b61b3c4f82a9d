import * as z from "zod";
import { MAX_MEMORY_MIB, parseMillicores, toCpus } from "./units.js";

// The counted resources: amounts a host has, that placements reserve and releases give back, checked by
// the arbiter as `free >= requested` (kube-scheduler's noderesources/fit.go loops over its resources the
// same way). Every part that decides, commits, stores or shows amounts reads this one list: a new counted
// resource is one entry here.

/** The counted resources' names, in the list's order. */
export const COUNTED = ["cpu", "memory", "disk"] as const;

export type Counted = (typeof COUNTED)[number];

/** An amount of each counted resource, in its unit inside (cpu in millicores, memory and disk in MiB). */
export type Amounts = Record<Counted, number>;

/** A host's capacity of each counted resource; null while unknown. */
export type Capacity = Record<Counted, number | null>;

/** The host's field that holds a resource's free counter: `free` and the name, capitalised (`freeCpu`). */
type FreeField<K extends Counted = Counted> = `free${Capitalize<K>}`;

/**
 * A host's free counters, one field of the host per counted resource (`freeCpu`, `freeMemory`, ...).
 * Fields of the host rather than an object of their own: the filter and the score read them for every
 * host of every decision, and a separate object was one more read from memory far from the host. At
 * 10,000 hosts (the view out of the processor's cache) the filter spent 37% of its time waiting for that
 * object (perf annotate of the engine bench, service, sampled). The two literals that make a host
 * (newHost, and toHost of the DynamoDB items) name each field rather than spread them in, so that all
 * the host's fields stay inside it (see newHost): a new resource is one more field there, which the
 * compiler asks for.
 */
export type FreeCounters = { [K in Counted as FreeField<K>]: number };

/** What a refresh observes of a host's use (live, or by containers Citadel did not place). */
export interface Usage {
  cpuMilli: number;
  memory: number;
}

export interface CountedResource {
  name: Counted;
  /**
   * The API's name: the request's field (`cpus`), and with `total_`, `declared_` and `reserved_` before
   * it, a host's (`total_cpus`).
   */
  field: string;
  /** The API's value as sent (cpus as decimal strings or numbers) to the integer kept inside. */
  schema: z.ZodType<number, unknown>;
  /** An inside amount as the API shows it. */
  toApi: (amount: number) => number;
  /** Whether every request asks for some: a host takes nothing until its total of it is known. */
  required: boolean;
  /** What of an observed use counts against it (unmanaged containers); none when the engine cannot tell. */
  observed?: (usage: Usage) => number;
  /** Its capacity as an engine reports it, when an engine reports it (totals not declared are detected). */
  detected?: (engine: Usage) => number;
  /** One letter: a placement's amount of it in its host's record (see the DynamoDB entries). */
  code: string;
}

/** `cpus` as sent (decimal string or number) to integer millicores. */
export const cpusSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const millicores = parseMillicores(value);
  if (typeof millicores === "string") {
    ctx.addIssue({ code: "custom", message: millicores });
    return z.NEVER;
  }
  return millicores;
});

/** Memory in MiB: a positive integer. */
export const memorySchema = z.number().int("must be an integer (MiB)").positive().max(MAX_MEMORY_MIB);

/** Disk in MiB: a positive integer (1 PiB at most, as memory). */
export const diskSchema = z.number().int("must be an integer (MiB)").positive().max(MAX_MEMORY_MIB);

const same = (amount: number) => amount;

/** The one list of counted resources. */
export const RESOURCES = [
  {
    name: "cpu",
    field: "cpus",
    schema: cpusSchema,
    toApi: toCpus,
    required: true,
    observed: (usage) => usage.cpuMilli,
    detected: (engine) => engine.cpuMilli,
    code: "c",
  },
  {
    name: "memory",
    field: "memory",
    schema: memorySchema,
    toApi: same,
    required: true,
    observed: (usage) => usage.memory,
    detected: (engine) => engine.memory,
    code: "m",
  },
  // Declared only: Docker's engine API reports no disk size. A host without a total takes no request for disk.
  { name: "disk", field: "disk", schema: diskSchema, toApi: same, required: false, code: "d" },
] as const satisfies readonly CountedResource[];

type Listed = (typeof RESOURCES)[number];

/** The list as its common type, for loops over what every resource may declare. */
const ALL: readonly CountedResource[] = RESOURCES;

/** The resources' API fields (`cpus`, `memory`, `disk`). */
export type Field = Listed["field"];

/** The API fields of the resources every request asks for. */
export type RequiredField = Extract<Listed, { required: true }>["field"];

/** Amounts under their API fields, with `prefix` before them: those every request asks for always there. */
export type AmountsView<P extends string = ""> = { [K in RequiredField as `${P}${K}`]: number } & {
  [K in Exclude<Field, RequiredField> as `${P}${K}`]?: number;
};

/** A capacity under its API fields, with `prefix` before them, every resource named. */
export type CapacityView<P extends string> = { [K in Field as `${P}${K}`]: number | null };

/** Amounts under their API fields, with `prefix` before them, every resource named. */
export type CountersView<P extends string> = { [K in Field as `${P}${K}`]: number };

/** Amounts of every counted resource, zero unless given. */
export function amounts(given: Partial<Amounts> = {}): Amounts {
  return { cpu: given.cpu ?? 0, memory: given.memory ?? 0, disk: given.disk ?? 0 };
}

/** A capacity, unknown unless given. */
export function capacity(given: Partial<Capacity> = {}): Capacity {
  return { cpu: given.cpu ?? null, memory: given.memory ?? null, disk: given.disk ?? null };
}

/** How many distinct capacities sharedCapacity keeps: beyond, a host keeps its own object. */
export const SHARED_CAPACITIES = 1024;

const sharedCapacities = new Map<string, Capacity>();

/**
 * The one object of capacity `of` that every host with that capacity shares (a cluster has a few kinds
 * of machines). A host's capacity is a value, never changed in place: a change gives a new one. Each
 * host's own object was one more read from memory far from the host for every host a decision looks
 * at: at 10,000 hosts, where the view is not in the processor's cache, it made the filter four times
 * slower than when capacities were fields of the host, and decisions over twice as slow (bench, engine).
 * A shared object is read from the cache.
 */
export function sharedCapacity(of: Capacity): Capacity {
  const key = RESOURCES.map(({ name }) => String(of[name])).join("/");
  const shared = sharedCapacities.get(key);
  if (shared) return shared;
  if (sharedCapacities.size >= SHARED_CAPACITIES) return of;
  const kept = capacity(of);
  sharedCapacities.set(key, kept);
  return kept;
}

/** The field of each resource's free counter on a host (`FREE_FIELD.cpu` is `"freeCpu"`). */
const FREE_FIELD = Object.fromEntries(
  COUNTED.map((name) => [name, `free${name.charAt(0).toUpperCase()}${name.slice(1)}`]),
) as { [K in Counted]: FreeField<K> };

/**
 * A function of the list, compiled once from `body`, code written from the list. The filter and the score
 * run such functions for every host of every decision, and a loop reading `free[name]` with the name a
 * variable costs about 40 ns a read in V8 (a keyed load), where `free.cpu` costs about 1: on 1,523 hosts
 * the loop made a decision three times slower (BENCHMARKS.md, the engine). The names are the list's own
 * constants.
 */
function compiled<F>(parameters: string[], body: string): F {
  return new Function(...parameters, body) as F;
}

/** The code of `{ cpu: <value of cpu>, memory: ... }`, one property per resource, named by `key`. */
function perResource(value: (name: Counted) => string, key = (name: Counted) => name as string): string {
  return `return { ${COUNTED.map((name) => `${key(name)}: ${value(name)}`).join(", ")} };`;
}

/**
 * The one fit check: the first resource of which the host's free counters hold less than `wanted`, or
 * undefined when it all fits. Filters, the memory registry's arbiter and the DynamoDB condition (built
 * from the same list) say the same.
 */
export const shortage: (host: FreeCounters, wanted: Amounts) => Counted | undefined = compiled(
  ["host", "wanted"],
  `${COUNTED.map((name) => `if (host.${FREE_FIELD[name]} < wanted.${name}) return "${name}";`).join("\n")}
return undefined;`,
);

/** A host's free counters as amounts. */
export const freeOf: (host: FreeCounters) => Amounts = compiled(
  ["host"],
  perResource((name) => `host.${FREE_FIELD[name]}`),
);

/** Amounts as a host's free counters, to spread into the host (`{ ...host, ...freeCounters(free) }`). */
export const freeCounters: (free: Amounts) => FreeCounters = compiled(
  ["free"],
  perResource(
    (name) => `free.${name}`,
    (name) => FREE_FIELD[name],
  ),
);

// Sum and difference as integer arithmetic on the list's names. A loop computing `a + sign × b` gave
// V8 floating-point results (the product could be -0), which it stores as a separate number object:
// every free counter of the engine bench's hosts was one, one more read per counter and host.
const sum: (a: Amounts, b: Amounts) => Amounts = compiled(
  ["a", "b"],
  perResource((name) => `a.${name} + b.${name}`),
);
const difference: (a: Amounts, b: Amounts) => Amounts = compiled(
  ["a", "b"],
  perResource((name) => `a.${name} - b.${name}`),
);

/** `a + sign × b`, resource by resource. */
export function added(a: Amounts, b: Amounts, sign: 1 | -1 = 1): Amounts {
  return sign === 1 ? sum(a, b) : difference(a, b);
}

/** What of `usage` counts against each resource (zero for those an engine cannot observe). */
export function observedAmounts(usage: Usage | undefined): Amounts {
  const counted = amounts();
  if (usage) for (const resource of ALL) counted[resource.name] = resource.observed?.(usage) ?? 0;
  return counted;
}

/** The totals an API body names (`total_cpus`, `total_disk`, ...), as parsed by the resources' schemas. */
export function totalsOf(body: Partial<Record<`total_${string}`, number>>): Partial<Amounts> {
  const totals: Partial<Amounts> = {};
  for (const { name, field } of RESOURCES) {
    const total = body[`total_${field}`];
    if (total !== undefined) totals[name] = total;
  }
  return totals;
}

/** A host's totals once its engine reported `engine`: as declared, else as detected (where an engine tells). */
export function detectedTotals(declared: Capacity, engine: Usage): Partial<Amounts> {
  const totals: Partial<Amounts> = {};
  for (const { name, detected } of ALL) {
    const total = declared[name] ?? detected?.(engine);
    if (total !== undefined) totals[name] = total;
  }
  return totals;
}

/** Whether the host's capacity is known of every resource a request always asks for. */
export const capacityKnown: (total: Capacity) => boolean = compiled(
  ["total"],
  `return ${RESOURCES.flatMap(({ name, required }) => (required ? [`total.${name} !== null`] : [])).join(" && ") || "true"};`,
);

/**
 * Amounts as the API shows them, under their fields (`{"cpus": 0.5, "memory": 512}`): those every
 * request asks for always, the others when not zero.
 */
export function amountsView<P extends string = "">(of: Amounts, prefix = "" as P): AmountsView<P> {
  const view: Record<string, number> = {};
  for (const resource of RESOURCES) {
    if (resource.required || of[resource.name] !== 0) {
      view[`${prefix}${resource.field}`] = resource.toApi(of[resource.name]);
    }
  }
  return view as AmountsView<P>;
}

/** Amounts as the API shows them, every resource named (`{"reserved_cpus": 1, "reserved_disk": 0}`). */
export function countersView<P extends string>(of: Amounts, prefix: P): CountersView<P> {
  return capacityView(of, prefix) as CountersView<P>;
}

/**
 * A host's totals as a placement's answer shows them (the seed's `resource`): of the resources every
 * request asks for, and of the others the host has.
 */
export function totalsView(of: Capacity): Partial<CapacityView<"total_">> {
  const view: Record<string, number | null> = {};
  for (const resource of RESOURCES) {
    const value = of[resource.name];
    if (resource.required || value !== null) {
      view[`total_${resource.field}`] = value === null ? null : resource.toApi(value);
    }
  }
  return view;
}

/** A capacity as the API shows it (`{"total_cpus": 4, "total_disk": null}`), every resource named. */
export function capacityView<P extends string>(of: Capacity, prefix: P): CapacityView<P> {
  const view: Record<string, number | null> = {};
  for (const resource of RESOURCES) {
    const value = of[resource.name];
    view[`${prefix}${resource.field}`] = value === null ? null : resource.toApi(value);
  }
  return view as CapacityView<P>;
}
