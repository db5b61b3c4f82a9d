import { describe, expect, it } from "vitest";
import { readAffinity, readLabel, readPort, readSpread, readVolume } from "../../shared/core/request-text.js";

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

  it("reads a spread, even or with targets", () => {
    expect(readSpread("zone")).toEqual({ value: { label: "zone" } });
    expect(readSpread("zone=a:70,b:30")).toEqual({ value: { label: "zone", targets: { a: 70, b: 30 } } });
    expect(readSpread("zone=a")).toEqual({ problem: expect.stringContaining("LABEL=VALUE:PERCENT") });
  });

  it("reads labels, the value keeping any =", () => {
    expect(readLabel("query=a=b")).toEqual({ value: ["query", "a=b"] });
    expect(readLabel("=b")).toEqual({ problem: "give a label as key=value" });
  });
});
