import { describe, expect, it } from "vitest";
import { assignPorts, portRangeSchema, portsSchema } from "../../shared/core/ports.js";

const range = { low: 30000, high: 30003 };

describe("host ports", () => {
  it("gives static ports as asked, and names the first one taken", () => {
    const wanted = [
      { container: 80, host: 8080, protocol: "tcp" as const },
      { container: 53, host: 53, protocol: "udp" as const },
    ];
    expect(assignPorts(wanted, new Set(), range, () => 0)).toEqual(wanted);
    expect(assignPorts(wanted, new Set(["53/tcp"]), range, () => 0)).toEqual(wanted);
    expect(assignPorts(wanted, new Set(["53/udp"]), range, () => 0)).toBe("port 53/udp taken");
  });

  it("gives dynamic ports from the range, from a random point, skipping taken and its own", () => {
    const dynamic = [
      { container: 80, protocol: "tcp" as const },
      { container: 81, protocol: "tcp" as const },
    ];
    const hosts = (taken: string[], random: number) => {
      const mapped = assignPorts(dynamic, new Set(taken), range, () => random);
      return typeof mapped === "string" ? mapped : mapped.map((one) => one.host);
    };
    expect(hosts([], 0)).toEqual([30000, 30001]);
    expect(hosts([], 0.5)).toEqual([30002, 30003]);
    expect(hosts([], 0.75)).toEqual([30003, 30000]);
    expect(hosts(["30000/tcp", "30002/tcp"], 0)).toEqual([30001, 30003]);
    expect(hosts(["30000/tcp", "30001/tcp", "30002/tcp"], 0)).toBe("no free dynamic port");
    // A static port inside the range is not given again to a dynamic one of the same request.
    const mixed = assignPorts(
      [{ container: 80, host: 30000, protocol: "tcp" }, ...dynamic],
      new Set(),
      range,
      () => 0,
    );
    expect(typeof mixed !== "string" && mixed.map((one) => one.host)).toEqual([30000, 30001, 30002]);
  });

  it("parses requests' ports and hosts' ranges, refusing what cannot be", () => {
    expect(portsSchema.parse([{ container: 80 }, { container: 53, host: 53, protocol: "udp" }])).toEqual([
      { container: 80, protocol: "tcp" },
      { container: 53, host: 53, protocol: "udp" },
    ]);
    expect(
      portsSchema.safeParse([
        { container: 80, host: 80 },
        { container: 81, host: 80 },
      ]).success,
    ).toBe(false);
    expect(
      portsSchema.safeParse([
        { container: 80, host: 80 },
        { container: 81, host: 80, protocol: "udp" },
      ]).success,
    ).toBe(true);
    expect(portRangeSchema.parse("20000-32767")).toEqual({ low: 20000, high: 32767 });
    for (const bad of ["32767-20000", "0-10", "1-65536", "1000", "a-b", " 1-2"]) {
      expect(portRangeSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
