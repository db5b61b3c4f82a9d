import * as z from "zod";
import { type Constraint, parseConstraint } from "./constraints.js";
import { LABEL_KEY } from "./labels.js";

/**
 * The soft placement rules a request (or a scheduler type's defaults) may carry: they rank the hosts
 * that fit, never exclude one (constraints do that).
 */

/** A preference for hosts that satisfy `constraint`: positive weights attract, negative repel. */
export interface Affinity {
  constraint: Constraint;
  /** An integer in −100..100, not 0 (Nomad's affinity weights). */
  weight: number;
}

/** Spread the live placements of the request's image over the values of a host label. */
export interface Spread {
  label: string;
  /** Percent of the placements wanted per label value (summing to at most 100); absent: even. */
  targets?: Record<string, number>;
}

/** The soft rules as a request or a type's defaults hold them. */
export interface SoftRules {
  affinities?: Affinity[];
  spread?: Spread;
}

export const MAX_AFFINITIES = 8;
export const MAX_SPREAD_TARGETS = 32;

/** A constraint expression, parsed (the message of parseConstraint when it is not one). */
export const constraintSchema = z
  .string()
  .max(300)
  .transform((text, ctx) => {
    const constraint = parseConstraint(text);
    if (typeof constraint === "string") {
      ctx.addIssue({ code: "custom", message: constraint });
      return z.NEVER;
    }
    return constraint;
  });

export const affinitiesSchema = z
  .array(
    z.strictObject({
      constraint: constraintSchema,
      weight: z
        .number()
        .int("must be a whole number")
        .min(-100)
        .max(100)
        .refine((weight) => weight !== 0, "must not be 0 (leave the affinity out)"),
    }),
  )
  .min(1)
  .max(MAX_AFFINITIES);

export const spreadSchema = z.strictObject({
  label: z.string().regex(LABEL_KEY, "must be a label key (1-63 characters of A-Z a-z 0-9 . _ / -)"),
  targets: z
    .record(z.string().max(255), z.number().int("must be a whole percent").min(0).max(100))
    .refine((targets) => Object.keys(targets).length >= 1, "name at least one value, or leave targets out")
    .refine(
      (targets) => Object.keys(targets).length <= MAX_SPREAD_TARGETS,
      `at most ${MAX_SPREAD_TARGETS} values`,
    )
    .refine(
      (targets) => Object.values(targets).reduce((sum, percent) => sum + percent, 0) <= 100,
      "the percentages must sum to at most 100",
    )
    .optional(),
});

/** The soft rules as written in JSON (constraints as text): the echo of a request, a type's view. */
export function softRulesJson(rules: SoftRules) {
  return {
    ...(rules.affinities && {
      affinities: rules.affinities.map(({ constraint, weight }) => ({ constraint: constraint.text, weight })),
    }),
    ...(rules.spread && { spread: rules.spread }),
  };
}
