import * as z from "zod";

// Host ports: a resource of taken items, not a counter. Two containers cannot both bind host port 80
// (Citadel 2014 had a port scheduler; Swarm, Nomad, kube and ECS all treat host ports as a resource).
// A request names static host ports, or asks for dynamic ones from the host's range (Nomad's
// `min_dynamic_port`..`max_dynamic_port`, 20000-32767 by default); the scheduler picks those on its view,
// and the arbiter checks each port is still free in the same one write that reserves the rest.

export type Protocol = "tcp" | "udp";

/** A port a request asks for: the container's, and the host's when static (absent: dynamic). */
export interface PortRequest {
  container: number;
  host?: number;
  protocol: Protocol;
}

/** A port mapping a placement holds: the host port is always known once placed. */
export interface PortMapping {
  container: number;
  host: number;
  protocol: Protocol;
}

/** A host's range of dynamic ports, inclusive. */
export interface PortRange {
  low: number;
  high: number;
}

/** Nomad's default dynamic range. */
export const DEFAULT_PORT_RANGE: PortRange = { low: 20000, high: 32767 };

/** At most this many ports per request. */
export const MAX_PORTS = 16;

const port = z.number().int("must be an integer").min(1).max(65535);

/** The `ports` of a container request. */
export const portsSchema = z
  .array(
    z.strictObject({
      container: port,
      host: port.optional(),
      protocol: z.enum(["tcp", "udp"]).optional(),
    }),
  )
  .max(MAX_PORTS, `at most ${MAX_PORTS} ports`)
  .transform((ports, ctx): PortRequest[] => {
    const parsed = ports.map((one) => ({
      container: one.container,
      ...(one.host !== undefined && { host: one.host }),
      protocol: one.protocol ?? ("tcp" as const),
    }));
    const seen = new Set<string>();
    for (const one of parsed) {
      if (one.host === undefined) continue;
      const key = portKey(one.host, one.protocol);
      if (seen.has(key)) ctx.addIssue({ code: "custom", message: `host port ${key} is asked for twice` });
      seen.add(key);
    }
    return parsed;
  });

const RANGE = /^(\d{1,5})-(\d{1,5})$/;

/** A host's `port_range`: `"20000-32767"`, low ≤ high, within 1-65535. */
export const portRangeSchema = z.string().transform((text, ctx): PortRange => {
  const [, low = "", high = ""] = RANGE.exec(text) ?? [];
  const range = { low: Number(low), high: Number(high) };
  if (!RANGE.test(text) || range.low < 1 || range.high > 65535 || range.low > range.high) {
    ctx.addIssue({ code: "custom", message: 'must be "low-high" within 1-65535, like "20000-32767"' });
    return z.NEVER;
  }
  return range;
});

/** A port as the arbiter keeps it taken: `8080/tcp`. */
export function portKey(hostPort: number, protocol: Protocol): string {
  return `${hostPort}/${protocol}`;
}

/** A port range as the API shows it. */
export function rangeText(range: PortRange): string {
  return `${range.low}-${range.high}`;
}

/**
 * The host ports for `wanted` on a host where `taken` are taken: the static ones as asked, the dynamic
 * ones the first free from a random point of the range (parallel schedulers facing one host then rarely
 * pick the same port). A string says why there are none: the first static port taken, or no free port.
 */
export function assignPorts(
  wanted: readonly PortRequest[],
  taken: ReadonlySet<string>,
  range: PortRange,
  random: () => number,
): PortMapping[] | string {
  const mine = new Set<string>();
  for (const one of wanted) {
    if (one.host === undefined) continue;
    const key = portKey(one.host, one.protocol);
    if (taken.has(key)) return `port ${key} taken`;
    mine.add(key);
  }
  const size = range.high - range.low + 1;
  const start = Math.floor(random() * size);
  let next = 0;
  const mapped: PortMapping[] = [];
  for (const one of wanted) {
    if (one.host !== undefined) {
      mapped.push({ container: one.container, host: one.host, protocol: one.protocol });
      continue;
    }
    let chosen: number | undefined;
    for (; next < size && chosen === undefined; next++) {
      const candidate = range.low + ((start + next) % size);
      const key = portKey(candidate, one.protocol);
      if (!taken.has(key) && !mine.has(key)) chosen = candidate;
    }
    if (chosen === undefined) return "no free dynamic port";
    mine.add(portKey(chosen, one.protocol));
    mapped.push({ container: one.container, host: chosen, protocol: one.protocol });
  }
  return mapped;
}

/** The keys of what `mappings` take (`8080/tcp`). */
export function takenKeys(mappings: readonly PortMapping[]): string[] {
  return mappings.map((one) => portKey(one.host, one.protocol));
}
