/**
 * Units. The API speaks CPUs (decimal strings or numbers, at most 3 decimals) and MiB; inside,
 * cpus are integer millicores so that the arbiter's arithmetic never drifts.
 */

const CPU_DECIMAL = /^(?:0|[1-9]\d{0,6})(?:\.\d{1,3})?$/;

/** The largest cpu count accepted anywhere (CPUs); keeps millicores far inside safe integers. */
export const MAX_CPUS = 1_000_000;

/** The largest memory accepted anywhere (MiB): 1 PiB. */
export const MAX_MEMORY_MIB = 1024 ** 3;

/**
 * Parses cpus as sent ("0.2", 0.2, 4) into millicores, or returns an error message.
 * Numbers go through their shortest decimal form, so 0.2 is 200, not 200.00000000000003.
 */
export function parseMillicores(value: string | number): number | string {
  const text = typeof value === "number" ? String(value) : value;
  if (!CPU_DECIMAL.test(text)) {
    return 'must be a decimal number of CPUs with at most 3 decimals, like "0.5" or 2';
  }
  const [whole = "0", fraction = ""] = text.split(".");
  const millicores = Number(whole) * 1000 + Number(fraction.padEnd(3, "0"));
  if (millicores <= 0) return "must be greater than 0";
  if (millicores > MAX_CPUS * 1000) return `must be at most ${MAX_CPUS}`;
  return millicores;
}

/** Millicores to the API's CPUs (a number). */
export function toCpus(millicores: number): number {
  return millicores / 1000;
}
