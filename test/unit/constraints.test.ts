import { describe, expect, it } from "vitest";
import {
  type Constraint,
  MAX_SET_VALUES,
  parseConstraint,
  satisfies,
} from "../../shared/core/constraints.js";

/** A constraint the test expects to parse. */
function parsed(text: string): Constraint {
  const constraint = parseConstraint(text);
  if (typeof constraint === "string") throw new Error(`${text}: ${constraint}`);
  return constraint;
}

/** Whether a host of this id and these labels satisfies `text`. */
const holds = (text: string, labels: Record<string, string>, id = "docker-1") =>
  satisfies({ id, labels }, parsed(text));

describe("parsing constraints", () => {
  it("reads each operator, spaces around it trimmed, and names it as written without them", () => {
    expect(parsed(" zone == a ")).toEqual({ key: "zone", operator: "==", value: "a", text: "zone==a" });
    expect(parsed("disk!=hdd")).toEqual({ key: "disk", operator: "!=", value: "hdd", text: "disk!=hdd" });
    expect(parsed("zone =~ eu-.*")).toMatchObject({ key: "zone", operator: "=~", text: "zone=~eu-.*" });
    expect(parsed("zone in ( a , b,c )")).toEqual({
      key: "zone",
      operator: "in",
      values: new Set(["a", "b", "c"]),
      text: "zone in (a,b,c)",
    });
    expect(parsed("zone  not   in(a)")).toEqual({
      key: "zone",
      operator: "not in",
      values: new Set(["a"]),
      text: "zone not in (a)",
    });
    expect(parsed("host==docker-1")).toEqual({
      key: "host",
      operator: "==",
      value: "docker-1",
      text: "host==docker-1",
    });
    // A value may hold what looks like another operator: the first one splits.
    expect(parsed("note==a in (b)")).toMatchObject({ key: "note", operator: "==", value: "a in (b)" });
  });

  it.each([
    ["zone=a", "must look like key==value, key!=value, key=~regex, key in (a,b) or key not in (a,b)"],
    ["zone in a,b", "must look like key==value, key!=value, key=~regex, key in (a,b) or key not in (a,b)"],
    ["zone notin (a)", "must look like key==value, key!=value, key=~regex, key in (a,b) or key not in (a,b)"],
    ["zone in (a) b", "must look like key==value, key!=value, key=~regex, key in (a,b) or key not in (a,b)"],
    ["-zone==a", '"-zone" is not a valid label key'],
    ["-zone in (a)", '"-zone" is not a valid label key'],
    [`zone==${"v".repeat(256)}`, "value must be at most 255 characters"],
    [`zone=~${"v".repeat(256)}`, "value must be at most 255 characters"],
    [`zone in (a,${"v".repeat(256)})`, "value must be at most 255 characters"],
    ["zone=~(a", 'invalid regex "(a": missing closing ): `(a`'],
    ["zone=~a(?=b)", 'invalid regex "a(?=b)": invalid or unsupported Perl syntax: `(?=`'],
    ["zone=~a{1001}", 'invalid regex "a{1001}": invalid repeat count: `{1001}`'],
    ["zone in ()", "a set's values must not be empty: key in (a,b)"],
    ["zone in (a,,b)", "a set's values must not be empty: key in (a,b)"],
    [
      `zone in (${Array.from({ length: MAX_SET_VALUES + 1 }, (_, i) => i).join(",")})`,
      "at most 32 values in a set",
    ],
    ["host==no.dots", '"no.dots" is not a valid host id'],
    ["host!=-x", '"-x" is not a valid host id'],
    ["host in (a,b c)", '"b c" is not a valid host id'],
  ])("refuses %j: %s", (text, message) => {
    expect(parseConstraint(text)).toBe(message);
  });

  it(`takes ${MAX_SET_VALUES} values in a set`, () => {
    const values = Array.from({ length: MAX_SET_VALUES }, (_, i) => `v${i}`);
    expect(parsed(`zone in (${values.join(",")})`)).toMatchObject({ values: new Set(values) });
  });
});

describe("satisfies", () => {
  it("compares a label's value, a missing label never equal", () => {
    expect(holds("zone==a", { zone: "a" })).toBe(true);
    expect(holds("zone==a", { zone: "b" })).toBe(false);
    expect(holds("zone==a", {})).toBe(false);
    expect(holds("zone!=a", { zone: "b" })).toBe(true);
    expect(holds("zone!=a", { zone: "a" })).toBe(false);
    expect(holds("zone!=a", {})).toBe(true);
    // Only the host's own labels, not what its prototype has.
    expect(holds("constructor!=x", {})).toBe(true);
    expect(holds("constructor=~.*", {})).toBe(false);
  });

  it("matches =~ against the whole value, a missing label never matching", () => {
    expect(holds("zone=~eu-.*", { zone: "eu-west-1" })).toBe(true);
    expect(holds("zone=~eu-.*", { zone: "us-eu-1" })).toBe(false);
    expect(holds("zone=~eu|us", { zone: "eu-1" })).toBe(false);
    expect(holds("zone=~eu|us", { zone: "us" })).toBe(true);
    expect(holds("zone=~.*", {})).toBe(false);
    expect(holds("zone=~.*", { zone: "" })).toBe(true);
  });

  it("evaluates a pattern that backtracking engines take exponential time on, in linear time", () => {
    // With JavaScript's RegExp, /^(a+)+$/ on this value runs for longer than the test's timeout.
    const constraint = parsed("zone=~(a+)+$");
    expect(satisfies({ id: "h", labels: { zone: `${"a".repeat(254)}b` } }, constraint)).toBe(false);
    expect(satisfies({ id: "h", labels: { zone: "a".repeat(255) } }, constraint)).toBe(true);
  });

  it("tests a set's membership, a missing label never in and always not in", () => {
    expect(holds("zone in (a,b)", { zone: "b" })).toBe(true);
    expect(holds("zone in (a,b)", { zone: "c" })).toBe(false);
    expect(holds("zone in (a,b)", {})).toBe(false);
    expect(holds("zone not in (a,b)", { zone: "c" })).toBe(true);
    expect(holds("zone not in (a,b)", { zone: "a" })).toBe(false);
    expect(holds("zone not in (a,b)", {})).toBe(true);
  });

  it("reads the host's id for the key host, never a label of that name", () => {
    expect(holds("host==docker-1", {}, "docker-1")).toBe(true);
    expect(holds("host==docker-1", { host: "docker-1" }, "docker-2")).toBe(false);
    expect(holds("host!=docker-1", {}, "docker-2")).toBe(true);
    expect(holds("host!=docker-1", {}, "docker-1")).toBe(false);
    expect(holds("host in (docker-1,docker-3)", {}, "docker-3")).toBe(true);
    expect(holds("host=~docker-.*", {}, "docker-9")).toBe(true);
  });
});
