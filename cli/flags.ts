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
