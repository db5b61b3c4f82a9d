import { LABEL_KEY, type Labels } from "./labels.js";

/** A label expression a host must satisfy: `key==value` or `key!=value` (Docker Swarm's syntax). */
export interface Constraint {
  key: string;
  operator: "==" | "!=";
  value: string;
  /** The expression as written, used to name it in "unschedulable" reasons. */
  text: string;
}

const EXPRESSION = /^\s*([^=!\s]+)\s*(==|!=)\s*(.*?)\s*$/;

/** Parses `key==value` / `key!=value`, or returns an error message. */
export function parseConstraint(text: string): Constraint | string {
  const match = EXPRESSION.exec(text);
  if (!match) return "must look like key==value or key!=value";
  const [, key = "", operator, value = ""] = match;
  if (!LABEL_KEY.test(key)) return `"${key}" is not a valid label key`;
  if (value.length > 255) return "value must be at most 255 characters";
  return { key, operator: operator === "==" ? "==" : "!=", value, text: `${key}${operator}${value}` };
}

/** True when the host's labels satisfy the constraint. A missing label never equals a value. */
export function satisfies(labels: Labels, constraint: Constraint): boolean {
  const actual = Object.hasOwn(labels, constraint.key) ? labels[constraint.key] : undefined;
  return constraint.operator === "==" ? actual === constraint.value : actual !== constraint.value;
}
