import type { Usage } from "./host.js";
import { toCpus } from "./units.js";

/** One observation of a running container of Citadel's: what it asked for and what it used. */
export interface UsageSample {
  image: string;
  requested: Usage;
  used: Usage;
}

/**
 * What an image's containers used over time: totals since the first sample, and the most recent
 * PROFILE_WINDOW samples, from which the 95th percentile is read.
 */
export interface ImageProfile {
  image: string;
  samples: number;
  requested: Usage;
  used: Usage;
  max: Usage;
  recentCpuMilli: number[];
  recentMemory: number[];
  updatedAt: string;
}

/** How many recent samples a profile keeps for its percentiles. */
export const PROFILE_WINDOW = 200;

/** Fewer samples than this give no verdict. */
export const PROFILE_MIN_SAMPLES = 5;

/** Where profiles are kept; `record` adds samples of one image atomically. */
export interface ProfileStore {
  record(image: string, samples: UsageSample[], now: Date): Promise<void>;
  get(image: string): Promise<ImageProfile | undefined>;
}

/** A profile with more samples of its image. */
export function withSamples(
  profile: ImageProfile | undefined,
  image: string,
  samples: UsageSample[],
  now: Date,
): ImageProfile {
  const start: ImageProfile = profile ?? {
    image,
    samples: 0,
    requested: { cpuMilli: 0, memory: 0 },
    used: { cpuMilli: 0, memory: 0 },
    max: { cpuMilli: 0, memory: 0 },
    recentCpuMilli: [],
    recentMemory: [],
    updatedAt: now.toISOString(),
  };
  return {
    image,
    samples: start.samples + samples.length,
    requested: sum(start.requested, ...samples.map((sample) => sample.requested)),
    used: sum(start.used, ...samples.map((sample) => sample.used)),
    max: {
      cpuMilli: Math.max(start.max.cpuMilli, ...samples.map((sample) => sample.used.cpuMilli)),
      memory: Math.max(start.max.memory, ...samples.map((sample) => sample.used.memory)),
    },
    recentCpuMilli: [...start.recentCpuMilli, ...samples.map((s) => s.used.cpuMilli)].slice(-PROFILE_WINDOW),
    recentMemory: [...start.recentMemory, ...samples.map((s) => s.used.memory)].slice(-PROFILE_WINDOW),
    updatedAt: now.toISOString(),
  };
}

function sum(first: Usage, ...rest: Usage[]): Usage {
  return rest.reduce(
    (total, usage) => ({ cpuMilli: total.cpuMilli + usage.cpuMilli, memory: total.memory + usage.memory }),
    first,
  );
}

/**
 * Whether requests are the right size. The request is also the container's limit, so use cannot exceed
 * it: undersized when use reaches 90% of it (cpu at the 95th percentile: the container is throttled;
 * memory at its peak: it is near the OOM killer), oversized when the 95th percentile is under half of it.
 */
export type Verdict = "oversized" | "undersized" | "right-sized" | "not enough samples";

/** The share of the request at which use counts as pressing against the limit. */
const NEAR_LIMIT = 0.9;

export function verdict(requested: number, pressing: number, p95: number, samples: number): Verdict {
  if (samples < PROFILE_MIN_SAMPLES) return "not enough samples";
  if (pressing >= requested * NEAR_LIMIT) return "undersized";
  if (p95 < requested / 2) return "oversized";
  return "right-sized";
}

/** The 95th percentile (nearest rank) of some numbers; 0 for none. */
export function percentile95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;
}

/** A profile as `GET /v1/images/{image}/profile` shows it. */
export function profileView(profile: ImageProfile) {
  const n = profile.samples;
  const cpuP95 = percentile95(profile.recentCpuMilli);
  const memoryP95 = percentile95(profile.recentMemory);
  const requestedCpu = profile.requested.cpuMilli / n;
  const requestedMemory = profile.requested.memory / n;
  return {
    image: profile.image,
    samples: n,
    updated_at: profile.updatedAt,
    cpus: {
      requested_mean: toCpus(Math.round(requestedCpu)),
      used_mean: toCpus(Math.round(profile.used.cpuMilli / n)),
      used_p95: toCpus(cpuP95),
      used_max: toCpus(profile.max.cpuMilli),
      verdict: verdict(requestedCpu, cpuP95, cpuP95, n),
    },
    memory: {
      requested_mean: Math.round(requestedMemory),
      used_mean: Math.round(profile.used.memory / n),
      used_p95: memoryP95,
      used_max: profile.max.memory,
      verdict: verdict(requestedMemory, profile.max.memory, memoryP95, n),
    },
  };
}
