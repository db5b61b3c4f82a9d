/** The real clock, randomness and timers, for the core's injected dependencies. */
export const system = {
  now: () => new Date(),
  random: Math.random,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
