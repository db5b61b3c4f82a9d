import { describe, expect, it } from "vitest";
import { forbiddenKeys, MAX_JSON_DEPTH, nestsDeeperThan } from "../../shared/core/json-body.js";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("JSON body depth", () => {
  it(`passes ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}, of arrays and objects alike`, () => {
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    expect(nestsDeeperThan(objects(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(objects(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });

  it("counts siblings once, not their sum", () => {
    expect(nestsDeeperThan(`[${Array(100).fill(nested(2)).join(",")}]`, 3)).toBe(false);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ a: `[[[[{{{{ \\" "[[[[` });
    expect(nestsDeeperThan(text, 1)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ a: '\\"', b: [[1]] }), 2)).toBe(true);
  });

  it("scans 64 KiB of brackets without recursion", () => {
    expect(nestsDeeperThan(nested(32_768), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe("forbidden keys", () => {
  it("names every __proto__, constructor and prototype key by its path, at any level", () => {
    const body = JSON.parse(
      '{"__proto__":{"x":1},"labels":{"constructor":"c"},"list":[{"a":{"prototype":{}}}],"ok":{"b":2}}',
    );
    expect(forbiddenKeys(body)).toEqual([
      { path: "__proto__", message: 'the key "__proto__" is not allowed' },
      { path: "labels.constructor", message: 'the key "constructor" is not allowed' },
      { path: "list.0.a.prototype", message: 'the key "prototype" is not allowed' },
    ]);
  });

  it("passes values that merely contain the words", () => {
    expect(forbiddenKeys({ a: "__proto__", b: ["constructor"], prototypes: 1, Constructor: 2 })).toEqual([]);
  });
});
