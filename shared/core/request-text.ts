// How people write a container request's structured fields in one line each: the CLI's flags
// (`--port 80:8080`) and the console's form (a line per port) read them alike, so one syntax is
// documented once. Each reader answers the API's shape, or a problem saying how to write it; the API
// then checks ranges and names (its 400 names the field). Type imports only: the console bundles this
// file for the browser.
import type { Spread } from "./soft-rules.js";

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

/**
 * `LABEL[=VALUE:PERCENT,...]`: `zone` (evenly), or `zone=a:70,b:30`; spaces around the names are not
 * part of them (`zone=a:70, b:30`), as in a constraint's list, and a value given twice is a problem
 * rather than the last one silently kept.
 */
export function readSpread(text: string): Read<Spread> {
  const how = "give a spread as LABEL or LABEL=VALUE:PERCENT,..., like zone=a:70,b:30";
  const [label = "", targets] = text.split(/=(.*)/s).map((part) => part.trim());
  if (!label) return { problem: how };
  if (targets === undefined) return { value: { label } };
  const percents: Record<string, number> = {};
  for (const pair of targets.split(",")) {
    const match = /^(.+):(\d{1,3})$/.exec(pair.trim());
    const value = match?.[1]?.trim();
    if (!match || !value) return { problem: how };
    if (Object.hasOwn(percents, value)) return { problem: `the value ${value} is given twice` };
    percents[value] = Number(match[2]);
  }
  return { value: { label, targets: percents } };
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

/**
 * Each non-blank line of `text` read by `read`, or the first that cannot be, with its line number in
 * the text as written (blank lines count): the console's form reads its one-a-line fields this way.
 */
export function readLines<T>(text: string, read: (line: string) => Read<T>): Read<T[]> {
  const values: T[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const one = read(line.trim());
    if ("problem" in one) return { problem: `line ${index + 1}: ${one.problem}` };
    values.push(one.value);
  }
  return { value: values };
}

/** A comma-separated list, each item trimmed, empty items left out (`T4, A100,`). */
export function readList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** A number as a JSON number (`256`, `0.5`); anything else as typed, for the API's 400 to name. */
export function numberOrText(text: string): number | string {
  return /^\d+(?:\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}
