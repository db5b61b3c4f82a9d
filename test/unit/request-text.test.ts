import { describe, expect, it } from "vitest";
import {
  numberOrText,
  readAffinity,
  readLabel,
  readLines,
  readList,
  readPort,
  readSpread,
  readVolume,
} from "../../shared/core/request-text.js";

// The one-line syntax the CLI's flags and the console's form share.
describe("a request's fields written one a line", () => {
  it("reads ports: container first, the host port and udp optional", () => {
    expect(readPort("80:8080")).toEqual({ value: { container: 80, host: 8080 } });
    expect(readPort("53/udp")).toEqual({ value: { container: 53, protocol: "udp" } });
    expect(readPort("80/tcp")).toEqual({ value: { container: 80 } });
    expect(readPort("http")).toEqual({ problem: expect.stringContaining("CONTAINER[:HOST]") });
  });

  it("reads volumes, with :create", () => {
    expect(readVolume("pgdata:/var/lib/postgresql/data")).toEqual({
      value: { name: "pgdata", path: "/var/lib/postgresql/data" },
    });
    expect(readVolume("cache:/data:create")).toEqual({
      value: { name: "cache", path: "/data", create: true },
    });
    expect(readVolume("/data")).toEqual({ problem: expect.stringContaining("NAME:PATH") });
  });

  it("reads affinities, the weight first since a constraint may hold a colon", () => {
    expect(readAffinity("-20:disk=~^ssd:.*")).toEqual({
      value: { constraint: "disk=~^ssd:.*", weight: -20 },
    });
    expect(readAffinity("zone==a")).toEqual({ problem: expect.stringContaining("WEIGHT:CONSTRAINT") });
  });

  it("reads a spread, even or with targets, spaces around names not part of them", () => {
    expect(readSpread("zone")).toEqual({ value: { label: "zone" } });
    expect(readSpread("zone=a:70,b:30")).toEqual({ value: { label: "zone", targets: { a: 70, b: 30 } } });
    expect(readSpread(" zone = a:70, b :30 ")).toEqual({
      value: { label: "zone", targets: { a: 70, b: 30 } },
    });
    expect(readSpread("zone=a")).toEqual({ problem: expect.stringContaining("LABEL=VALUE:PERCENT") });
    expect(readSpread("zone=a:70,")).toEqual({ problem: expect.stringContaining("LABEL=VALUE:PERCENT") });
    expect(readSpread("zone=a:70,a:30")).toEqual({ problem: "the value a is given twice" });
  });

  it("reads a field of one a line, naming the line as written (blank lines count)", () => {
    expect(readLines("80:8080\n\n  53/udp  \n", readPort)).toEqual({
      value: [
        { container: 80, host: 8080 },
        { container: 53, protocol: "udp" },
      ],
    });
    expect(readLines("80\n\nhttp", readPort)).toEqual({
      problem: expect.stringMatching(/^line 3: give a port/),
    });
    expect(readLines(" \n", readPort)).toEqual({ value: [] });
  });

  it("reads a comma-separated list without empty items, and numbers as numbers", () => {
    expect(readList("T4, A100,")).toEqual(["T4", "A100"]);
    expect(readList(" , ")).toEqual([]);
    expect(numberOrText(" 256 ")).toBe(256);
    expect(numberOrText("0.5")).toBe(0.5);
    for (const text of ["1e3", "0.5.1", ".5", "1,024", "lots"]) expect(numberOrText(text)).toBe(text);
  });

  it("reads labels, the value keeping any =", () => {
    expect(readLabel("query=a=b")).toEqual({ value: ["query", "a=b"] });
    expect(readLabel("=b")).toEqual({ problem: "give a label as key=value" });
  });
});
