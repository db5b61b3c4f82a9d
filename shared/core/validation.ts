import type * as z from "zod";

/** One reason a body was refused: where (a dotted path, `""` for the whole body) and why. */
export interface InputIssue {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: InputIssue[] };

/** Runs a zod schema and turns its issues into `{path, message}` pairs for a 400 answer. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    })),
  };
}
