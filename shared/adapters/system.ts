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
