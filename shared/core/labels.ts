import { z } from "zod";

/** Label keys: Docker-style, e.g. `zone`, `com.example/tier`; no leading punctuation, so no `__proto__`. */
export const LABEL_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;

/** At most this many labels on a host or a placement (they live inside DynamoDB items of 400 KB). */
export const MAX_LABELS = 32;

/** Labels as a map of key to value, bounded in count and size. */
export const labelsSchema = z
  .record(
    z.string().regex(LABEL_KEY, "label keys are 1-63 characters of A-Z a-z 0-9 . _ / -"),
    z.string().max(255),
  )
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

export type Labels = Record<string, string>;
