// How people write a container request's structured fields in one line each: the CLI's flags
// (`--port 80:8080`) and the console's form (a line per port) read them alike, so one syntax is
// documented once. Each reader answers the API's shape, or a problem saying how to write it; the API
// then checks ranges and names (its 400 names the field). No imports: the console bundles this file.

/** A reading of one line: the value, or how to write it. */
export type Read<T> = { value: T } | { problem: string };

/** `KEY=VALUE`: a label (a host's, or one stored with a placement); the value may hold `=`. */
export function readLabel(text: string): Read<[string, string]> {
  const at = text.indexOf("=");
  if (at < 1) return { problem: "give a label as key=value" };
  return { value: [text.slice(0, at), text.slice(at + 1)] };
}

/** A port mapping as the API takes it. */
export interface PortText {
  container: number;
  host?: number;
  protocol?: "udp";
}

const PORT = /^(\d{1,5})(?::(\d{1,5}))?(?:\/(tcp|udp))?$/;

/**
 * `CONTAINER[:HOST][/udp]`: `80:8080` publishes the container's port 80 on host port 8080, `80` on a
 * dynamic one from the host's range (the API's `ports`, in its order: container first).
 */
export function readPort(text: string): Read<PortText> {
  const match = PORT.exec(text);
  if (!match) return { problem: "give a port as CONTAINER[:HOST][/tcp|/udp], like 80:8080 or 53/udp" };
  const [, container = "", host, protocol] = match;
  return {
    value: {
      container: Number(container),
      ...(host !== undefined && { host: Number(host) }),
      ...(protocol === "udp" && { protocol: "udp" as const }),
    },
  };
}

/** An affinity as the API takes it. */
export interface AffinityText {
  constraint: string;
  weight: number;
}

/** `WEIGHT:CONSTRAINT` (`50:zone==a`, `-20:disk==hdd`): the weight first, since a constraint may hold a colon. */
export function readAffinity(text: string): Read<AffinityText> {
  const match = /^(-?\d{1,3}):(.+)$/.exec(text);
  if (!match) return { problem: "give an affinity as WEIGHT:CONSTRAINT, like 50:zone==a" };
  const [, weight = "", constraint = ""] = match;
  return { value: { constraint, weight: Number(weight) } };
}

/** A spread as the API takes it. */
export interface SpreadText {
  label: string;
  targets?: Record<string, number>;
}

/** `LABEL[=VALUE:PERCENT,...]`: `zone` (evenly), or `zone=a:70,b:30`. */
export function readSpread(text: string): Read<SpreadText> {
  const [label = "", targets] = text.split(/=(.*)/s);
  const pairs = targets?.split(",").map((pair) => /^(.+):(\d{1,3})$/.exec(pair));
  if (!label || pairs?.some((pair) => !pair)) {
    return { problem: "give a spread as LABEL or LABEL=VALUE:PERCENT,..., like zone=a:70,b:30" };
  }
  return {
    value: {
      label,
      ...(pairs && { targets: Object.fromEntries(pairs.map((pair) => [pair?.[1], Number(pair?.[2])])) }),
    },
  };
}

/** A named volume as the API takes it. */
export interface VolumeText {
  name: string;
  path: string;
  create?: true;
}

const VOLUME = /^([^:]+):([^:]+)(:create)?$/;

/**
 * `NAME:PATH[:create]`: `pgdata:/var/lib/postgresql/data` mounts the named volume, on the host that holds
 * it; `:create` lets it be created where the container lands when no host holds it (the API's `volumes`).
 */
export function readVolume(text: string): Read<VolumeText> {
  const match = VOLUME.exec(text);
  if (!match) return { problem: "give a volume as NAME:PATH[:create], like pgdata:/var/lib/postgresql/data" };
  const [, name = "", path = "", create] = match;
  return { value: { name, path, ...(create && { create: true as const }) } };
}
