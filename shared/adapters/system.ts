/** The real clock, randomness and timers, for the core's injected dependencies. */
export const system = {
  now: () => new Date(),
  random: Math.random,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** The time left (ms) of a budget of `ms` that starts now. */
export function timeLeft(ms: number): () => number {
  const end = performance.now() + ms;
  return () => end - performance.now();
}

/**
 * The time an invocation's caller gives it, when it says (`{"budget_ms": n}`, as the router asks a
 * refresh it waits for); undefined otherwise (a scheduled run has its Lambda's whole time).
 */
export function budgetOf(event: unknown): number | undefined {
  const budget = (event as { budget_ms?: unknown } | null | undefined)?.budget_ms;
  return typeof budget === "number" && Number.isFinite(budget) && budget > 0 ? budget : undefined;
}

/** The earlier of two deadlines, as time left. */
export function earliest(a: () => number, b: () => number): () => number {
  return () => Math.min(a(), b());
}

/** What a Lambda keeps of its time to answer after its work: the last writes, the log, the metrics. */
export const LAMBDA_MARGIN_MS = 3000;

/**
 * The time left (ms) of a Lambda invocation, less LAMBDA_MARGIN_MS; without a context (a handler called
 * directly), a budget of `fallbackMs`.
 */
export function lambdaTimeLeft(
  context: { getRemainingTimeInMillis?: () => number } | undefined,
  fallbackMs: number,
): () => number {
  const remaining = context?.getRemainingTimeInMillis?.bind(context);
  return remaining ? () => remaining() - LAMBDA_MARGIN_MS : timeLeft(fallbackMs);
}
