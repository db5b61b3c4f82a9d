import { DeadlineError } from "./engine.js";

// Timing and bounding asynchronous work: used by the refresh, run mode and the engines' client.

/** The longest delay a timer takes (Node turns a longer one, Infinity included, into 1 ms). */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** Rejects with a DeadlineError when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(ms)), Math.min(ms, MAX_DELAY_MS));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Maps with at most `limit` calls in flight. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
