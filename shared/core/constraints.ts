import { RE2JS, RE2JSException } from "re2js";
import { HOST_ID, type Host } from "./host.js";
import { LABEL_KEY } from "./labels.js";

/**
 * The key that names the host's id, not a label (Citadel 2014's host scheduler): `host==docker-1`.
 * It is reserved in constraints: a host label called `host` is kept and shown, but no constraint reads it.
 */
export const HOST_KEY = "host";

/** At most this many values in a set (`key in (a,b)`). */
export const MAX_SET_VALUES = 32;

/**
 * An expression a host must satisfy, on one of its labels or (key `host`) its id: `key==value`,
 * `key!=value` (Docker Swarm's syntax), `key=~regex` (the whole value matches), `key in (a,b)` and
 * `key not in (a,b)` (kube's set-based selectors).
 */
export type Constraint = { key: string; text: string } & (
  | { operator: "==" | "!="; value: string }
  /** RE2 (linear time whatever the pattern and value), compiled once when parsed. */
  | { operator: "=~"; pattern: RE2JS }
  | { operator: "in" | "not in"; values: ReadonlySet<string> }
);

const COMPARISON = /^\s*([^=!~\s]+)\s*(==|!=|=~)\s*(.*?)\s*$/;
const SET = /^\s*([^=!~\s(]+)\s+(in|not\s+in)\s*\((.*)\)\s*$/;
const FORMS = "must look like key==value, key!=value, key=~regex, key in (a,b) or key not in (a,b)";

/** Parses a constraint, or returns an error message naming what is wrong. */
export function parseConstraint(text: string): Constraint | string {
  const set = SET.exec(text);
  if (set) return parseSet(set[1] ?? "", set[2] === "in" ? "in" : "not in", set[3] ?? "");
  const match = COMPARISON.exec(text);
  if (!match) return FORMS;
  const [, key = "", operator, value = ""] = match;
  const wrong = checkKey(key) ?? (operator === "=~" ? checkLength(value) : checkValue(key, value));
  if (wrong) return wrong;
  const written = `${key}${operator}${value}`;
  if (operator !== "=~") return { key, operator: operator === "==" ? "==" : "!=", value, text: written };
  try {
    return { key, operator, pattern: RE2JS.compile(value), text: written };
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    return `invalid regex "${value}": ${error.message.replace(/^error parsing regexp: /, "")}`;
  }
}

function parseSet(key: string, operator: "in" | "not in", list: string): Constraint | string {
  const wrong = checkKey(key);
  if (wrong) return wrong;
  const values = list.split(",").map((value) => value.trim());
  if (values.length > MAX_SET_VALUES) return `at most ${MAX_SET_VALUES} values in a set`;
  if (values.includes("")) return "a set's values must not be empty: key in (a,b)";
  for (const value of values) {
    const bad = checkValue(key, value);
    if (bad) return bad;
  }
  return { key, operator, values: new Set(values), text: `${key} ${operator} (${values.join(",")})` };
}

function checkKey(key: string): string | undefined {
  return LABEL_KEY.test(key) ? undefined : `"${key}" is not a valid label key`;
}

/** A value (or a pattern) is at most as long as a label's value. */
function checkLength(value: string): string | undefined {
  return value.length > 255 ? "value must be at most 255 characters" : undefined;
}

/** A value compared with the host id must be one: a typo would otherwise match nothing, silently. */
function checkValue(key: string, value: string): string | undefined {
  if (key === HOST_KEY && !HOST_ID.test(value)) return `"${value}" is not a valid host id`;
  return checkLength(value);
}

/**
 * True when the host satisfies the constraint. A missing label never equals, matches or is in
 * anything: `!=` and `not in` hold for it.
 */
export function satisfies(host: Pick<Host, "id" | "labels">, constraint: Constraint): boolean {
  const { key } = constraint;
  const actual = key === HOST_KEY ? host.id : Object.hasOwn(host.labels, key) ? host.labels[key] : undefined;
  switch (constraint.operator) {
    case "==":
      return actual === constraint.value;
    case "!=":
      return actual !== constraint.value;
    case "=~":
      return actual !== undefined && constraint.pattern.matches(actual);
    case "in":
      return actual !== undefined && constraint.values.has(actual);
    case "not in":
      return actual === undefined || !constraint.values.has(actual);
  }
}
