import type { HostBody } from "./bodies.js";

/** A share as a percentage with at most one decimal: 0.125 → "12.5%". */
export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** `part` of `whole`, with its share; "?" for a whole not known yet. */
export function ofTotal(part: number, whole: number | null, unit = ""): string {
  if (whole === null) return `${part}${unit} of ?`;
  return `${part}${unit} of ${whole}${unit} (${percent(whole === 0 ? 0 : part / whole)})`;
}

/** Labels as `key=value` pairs, or "none". */
export function labelText(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  return pairs.length === 0 ? "none" : pairs.join(", ");
}

/** An ISO time as the browser's local date and time; "never" for none. */
export function when(iso: string | null): string {
  return iso === null ? "never" : new Date(iso).toLocaleString();
}

/** How full a host is: the larger share of its cpus or memory reserved; null while its capacity is unknown. */
export function fullness(host: HostBody): number | null {
  if (host.total_cpus === null || host.total_memory === null) return null;
  const share = (reserved: number, total: number) => (total === 0 ? 1 : reserved / total);
  return Math.max(share(host.reserved_cpus, host.total_cpus), share(host.reserved_memory, host.total_memory));
}

/** The colour band of a fullness: under half, under 80%, under 100%, full, or unknown capacity. */
export function band(share: number | null): "unknown" | "low" | "mid" | "high" | "full" {
  if (share === null) return "unknown";
  if (share >= 1) return "full";
  if (share >= 0.8) return "high";
  return share >= 0.5 ? "mid" : "low";
}

/** A count with its noun, singular for one: "1 placement", "3 placements". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
