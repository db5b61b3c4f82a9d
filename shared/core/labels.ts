import * as z from "zod";

/** Label keys: Docker-style, e.g. `zone`, `com.example/tier`; no leading punctuation, so no `__proto__`. */
export const LABEL_KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;

/** At most this many labels on a host or a placement (they live inside DynamoDB items of 400 KB). */
export const MAX_LABELS = 32;

/**
 * Citadel's own label namespace (`citadel.placement`, `citadel.scheduler`): it marks the containers
 * Citadel reconciles, so no caller may set such a label on a placement or a host. Matched whatever the
 * case, so that `Citadel.placement` cannot pass for a different key to a human reading the labels.
 */
export const CITADEL_LABEL_PREFIX = "citadel.";

/** Whether a label key is in Citadel's own namespace. */
export function isCitadelLabel(key: string): boolean {
  return key.toLowerCase().startsWith(CITADEL_LABEL_PREFIX);
}

/** Labels as a map of key to value, bounded in count and size, none in Citadel's namespace. */
export const labelsSchema = z
  .record(
    z.string().regex(LABEL_KEY, "label keys are 1-63 characters of A-Z a-z 0-9 . _ / -"),
    z.string().max(255),
  )
  // On the record, not the key: a key's own issues are reported as "Invalid key in record" only.
  .superRefine((labels, ctx) => {
    for (const key of Object.keys(labels).filter(isCitadelLabel)) {
      const message = `label keys starting with "${CITADEL_LABEL_PREFIX}" are Citadel's own`;
      ctx.addIssue({ code: "custom", path: [key], message });
    }
  })
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

export type Labels = Record<string, string>;
