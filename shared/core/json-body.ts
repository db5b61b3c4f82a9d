import type { InputIssue } from "./validation.js";

/**
 * Request bodies nest at most this many arrays and objects (the root object is level 1). Citadel's
 * bodies need 2 or 3; the bound keeps recursive code (JSON.stringify, zod, the SDK's marshalling) from
 * overflowing the stack on a small hostile body, since 64 KiB of `[` nest 65,536 levels.
 */
export const MAX_JSON_DEPTH = 16;

/**
 * Keys refused anywhere in a body: they reach JavaScript's prototype machinery, and some validators
 * skip them (zod's records drop `__proto__` instead of refusing it), so they would pass unseen.
 */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Whether JSON text nests arrays and objects deeper than `max`. A single scan of the text, without
 * recursion and before parsing; brackets inside strings do not count. Text that is not JSON may pass:
 * the parser refuses it next.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      // A backslash escapes the next character, a quote included.
      if (char === 0x5c) index++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b || char === 0x7b) {
      if (++depth > max) return true;
    } else if (char === 0x5d || char === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * Every `__proto__`, `constructor` or `prototype` key in a parsed JSON value, by its dotted path
 * (`labels.__proto__`, `constraints.0.constructor`). Walks with a stack of its own, not recursion.
 */
export function forbiddenKeys(value: unknown): InputIssue[] {
  const issues: InputIssue[] = [];
  const pending: [path: string, value: unknown][] = [["", value]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [path, current] = next;
    if (typeof current !== "object" || current === null) continue;
    for (const [key, child] of Object.entries(current)) {
      const childPath = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key) && !Array.isArray(current)) {
        issues.push({ path: childPath, message: `the key "${key}" is not allowed` });
      }
      pending.push([childPath, child]);
    }
  }
  return issues.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
