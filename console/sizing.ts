import type { ProfileBody } from "./bodies.js";

/** The share of a request that use should reach at most: under the verdict's 90% line, with headroom. */
const TARGET = 0.8;

/** A resource of a profile: its numbers, the use its verdict is judged on, and how it is counted. */
export interface Sized {
  usage: ProfileBody["cpus"];
  /** The use the API's verdict presses against the request: cpu's 95th percentile, memory's peak. */
  pressing: number;
  /** The smallest step of the resource: a millicore, a MiB. */
  step: number;
  unit: string;
}

/**
 * What to do with the request, from the API's verdict: a request that the use it is judged on would
 * fill to 80% (so that it is right-sized with headroom). Undersized use is capped by the request (it is
 * also the container's limit), so the need may be higher than that: "at least".
 */
export function suggestion({ usage, pressing, step, unit }: Sized): string {
  const fit = Math.max(step, Math.ceil(pressing / TARGET / step) * step);
  const amount = `${Number(fit.toFixed(3))}${unit}`;
  switch (usage.verdict) {
    case "not enough samples":
      return "Wait: a verdict needs 5 samples.";
    case "right-sized":
      return "Keep the request.";
    case "undersized":
      return `Raise the request to at least ${amount}: use reaches 90% of it.`;
    case "oversized":
      return fit < usage.requested_mean
        ? `Lower the request to about ${amount}: most of it is unused.`
        : "Keep the request: its peak use comes near it.";
  }
}
