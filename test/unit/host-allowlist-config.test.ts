import { describe, expect, it } from "vitest";
import { loadConfig, readHostAllowlist } from "../../shared/adapters/config.js";
import { PRIVATE_RANGES, refusal } from "../../shared/core/address.js";
import { LOCAL_HOST_RANGES } from "../../shared/local/in-process.js";

describe("configuration: where Docker hosts may be", () => {
  it("allows the private ranges by default, and the addresses table is citadel-addresses", () => {
    const config = loadConfig({});
    expect(config.hostAllowlist.cidrs).toEqual(PRIVATE_RANGES);
    expect(refusal("127.0.0.1", config.hostAllowlist)).toContain("is not in the allowed host ranges");
    expect(config.tables.addresses).toBe("citadel-addresses");
    expect(loadConfig({ CITADEL_ADDRESSES_TABLE: "claims" }).tables.addresses).toBe("claims");
  });

  it("takes CITADEL_HOST_CIDRS when set; the local stack adds loopback to its default", () => {
    const config = loadConfig({ CITADEL_HOST_CIDRS: "10.1.0.0/16, fd00:1::/32" });
    expect(config.hostAllowlist.cidrs).toEqual(["10.1.0.0/16", "fd00:1::/32"]);
    expect(refusal("10.2.0.1", config.hostAllowlist)).toContain("is not in the allowed host ranges");
    expect(refusal("127.0.0.1", readHostAllowlist({}, LOCAL_HOST_RANGES))).toBeUndefined();
    expect(readHostAllowlist({ CITADEL_HOST_CIDRS: "10.9.0.0/16" }, LOCAL_HOST_RANGES).cidrs).toEqual([
      "10.9.0.0/16",
    ]);
  });

  it("refuses a malformed list, naming the variable and what is wrong", () => {
    expect(() => loadConfig({ CITADEL_HOST_CIDRS: "10.0.0.0/8,10.0.0.1" })).toThrow(
      'CITADEL_HOST_CIDRS: "10.0.0.1" is not a CIDR (a.b.c.d/n or ipv6/n), got "10.0.0.0/8,10.0.0.1"',
    );
    expect(() => loadConfig({ CITADEL_HOST_CIDRS: "169.254.0.0/16" })).toThrow(
      "CITADEL_HOST_CIDRS: 169.254.0.0/16 is link-local: never Docker hosts",
    );
  });
});
