import { InvalidArgumentError } from "commander";
import {
  type AffinityText,
  type PortText,
  type Read,
  readAffinity,
  readLabel,
  readPort,
  readSpread,
  readVolume,
  type VolumeText,
} from "../shared/core/request-text.js";
import type { Spread } from "../shared/core/soft-rules.js";

/** A reading's value, or commander's usage error with the reading's problem. */
function orUsageError<T>(read: Read<T>): T {
  if ("problem" in read) throw new InvalidArgumentError(read.problem);
  return read.value;
}

/** A repeatable flag's values, in order: `--constraint a --constraint b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A repeatable `--label key=value`, into a map (the last value of a key wins). */
export function label(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const [key, text] = orUsageError(readLabel(value));
  return { ...previous, [key]: text };
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

/** A repeatable `--port CONTAINER[:HOST][/udp]` (see readPort). The API checks the ranges. */
export function portMapping(value: string, previous: PortText[] = []): PortText[] {
  return [...previous, orUsageError(readPort(value))];
}

/** A number sent as a JSON number (`--gpus 0.5`); the API says which it takes. */
export function decimal(value: string): number {
  if (!/^\d{1,9}(?:\.\d{1,9})?$/.test(value)) throw new InvalidArgumentError("give a number, like 2 or 0.5");
  return Number(value);
}

/** A repeatable `--affinity WEIGHT:CONSTRAINT` (see readAffinity). The API checks both. */
export function affinity(value: string, previous: AffinityText[] = []): AffinityText[] {
  return [...previous, orUsageError(readAffinity(value))];
}

/** `--spread LABEL[=VALUE:PERCENT,...]` (see readSpread). */
export function spread(value: string): Spread {
  return orUsageError(readSpread(value));
}

/** A repeatable `--volume NAME:PATH[:create]` (see readVolume). The API checks the name and the path. */
export function volumeMount(value: string, previous: VolumeText[] = []): VolumeText[] {
  return [...previous, orUsageError(readVolume(value))];
}
