import { InvalidArgumentError } from "commander";

/** A repeatable flag's values, in order: `--constraint a --constraint b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A repeatable `--label key=value`, into a map (the last value of a key wins). */
export function label(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf("=");
  if (at < 1) throw new InvalidArgumentError("give a label as key=value");
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** A whole number (MiB, a page size), sent as a JSON number; the API says which are too large. */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("give a whole number");
  return Number(value);
}

/** A TCP port to listen on: 0 (any free port) to 65535. */
export function port(value: string): number {
  const number = wholeNumber(value);
  if (number > 65535) throw new InvalidArgumentError("give a port from 0 to 65535");
  return number;
}

/** A port mapping as the API takes it. */
export interface PortFlag {
  container: number;
  host?: number;
  protocol?: "udp";
}

const PORT_MAPPING = /^(\d{1,5})(?::(\d{1,5}))?(?:\/(tcp|udp))?$/;

/**
 * A repeatable `--port CONTAINER[:HOST][/udp]`: `--port 80:8080` publishes the container's port 80 on
 * host port 8080, `--port 80` on a dynamic one from the host's range (the API's `ports`, in its order:
 * container first). The API checks the ranges.
 */
export function portMapping(value: string, previous: PortFlag[] = []): PortFlag[] {
  const match = PORT_MAPPING.exec(value);
  if (!match)
    throw new InvalidArgumentError("give a port as CONTAINER[:HOST][/tcp|/udp], like 80:8080 or 53/udp");
  const [, container = "", host, protocol] = match;
  return [
    ...previous,
    {
      container: Number(container),
      ...(host !== undefined && { host: Number(host) }),
      ...(protocol === "udp" && { protocol: "udp" as const }),
    },
  ];
}

/** A number sent as a JSON number (`--gpus 0.5`); the API says which it takes. */
export function decimal(value: string): number {
  if (!/^\d{1,9}(?:\.\d{1,9})?$/.test(value)) throw new InvalidArgumentError("give a number, like 2 or 0.5");
  return Number(value);
}

/** An affinity as the API takes it. */
export interface AffinityFlag {
  constraint: string;
  weight: number;
}

/**
 * A repeatable `--affinity WEIGHT:CONSTRAINT` (`50:zone==a`, `-20:disk==hdd`): the weight first, since a
 * constraint may hold a colon. The API checks both.
 */
export function affinity(value: string, previous: AffinityFlag[] = []): AffinityFlag[] {
  const match = /^(-?\d{1,3}):(.+)$/.exec(value);
  if (!match) throw new InvalidArgumentError("give an affinity as WEIGHT:CONSTRAINT, like 50:zone==a");
  const [, weight = "", constraint = ""] = match;
  return [...previous, { constraint, weight: Number(weight) }];
}

/** A spread as the API takes it. */
export interface SpreadFlag {
  label: string;
  targets?: Record<string, number>;
}

/** `--spread LABEL[=VALUE:PERCENT,...]`: `zone` (evenly), or `zone=a:70,b:30`. */
export function spread(value: string): SpreadFlag {
  const [label = "", targets] = value.split(/=(.*)/s);
  const pairs = targets?.split(",").map((pair) => /^(.+):(\d{1,3})$/.exec(pair));
  if (!label || pairs?.some((pair) => !pair)) {
    throw new InvalidArgumentError("give a spread as LABEL or LABEL=VALUE:PERCENT,..., like zone=a:70,b:30");
  }
  return {
    label,
    ...(pairs && { targets: Object.fromEntries(pairs.map((pair) => [pair?.[1], Number(pair?.[2])])) }),
  };
}

/** A named volume as the API takes it. */
export interface VolumeFlag {
  name: string;
  path: string;
  create?: true;
}

const VOLUME_MOUNT = /^([^:]+):([^:]+)(:create)?$/;

/**
 * A repeatable `--volume NAME:PATH[:create]`: `--volume pgdata:/var/lib/postgresql/data` mounts the named
 * volume, on the host that holds it; `:create` lets it be created where the container lands when no host
 * holds it (the API's `volumes`). The API checks the name and the path.
 */
export function volumeMount(value: string, previous: VolumeFlag[] = []): VolumeFlag[] {
  const match = VOLUME_MOUNT.exec(value);
  if (!match) {
    throw new InvalidArgumentError(
      "give a volume as NAME:PATH[:create], like pgdata:/var/lib/postgresql/data",
    );
  }
  const [, name = "", path = "", create] = match;
  return [...previous, { name, path, ...(create && { create: true as const }) }];
}
