import { isIPv6 } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Allowlist,
  addressRefusal,
  LOOPBACK_RANGES,
  PRIVATE_RANGES,
  parseAddress,
  parseAllowlist,
  refusal,
} from "../../shared/core/address.js";
import { formatIp, parseIPv6 } from "../../shared/core/ip.js";

function allowlist(text: string): Allowlist {
  const parsed = parseAllowlist(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

const AWS = allowlist(PRIVATE_RANGES.join(","));
const LOCAL = allowlist([...PRIVATE_RANGES, ...LOOPBACK_RANGES].join(","));

function canonical(text: string, tls = false): string {
  const parsed = parseAddress(text, tls);
  return typeof parsed === "string" ? `refused: ${parsed}` : parsed.addr;
}

describe("host addresses: one engine, one canonical text", () => {
  it.each([
    "127.0.0.1:2375",
    "tcp://127.0.0.1:2375",
    "TCP://LOCALHOST:2375",
    "Tcp://localhost.:2375",
    "localhost",
    "docker.localhost:2375",
    "[::ffff:127.0.0.1]:2375",
    "[::FFFF:7f00:1]:2375",
    "2130706433:2375",
    "0x7f000001:2375",
    "0177.0.0.1:2375",
    "0x7f.1:2375",
    "127.1",
    "127.0.1",
    "127.0.0.1.:2375",
    "127.0.0.1:02375",
  ])("%s is 127.0.0.1:2375", (text) => {
    expect(canonical(text)).toBe("127.0.0.1:2375");
  });

  it("writes IPv6 as RFC 5952 says, in brackets", () => {
    expect(canonical("[FD00:0:0:0:0:0:0:1]:2375")).toBe("[fd00::1]:2375");
    expect(canonical("[2001:0db8:0:0:1:0:0:1]")).toBe("[2001:db8::1:0:0:1]:2375");
    expect(canonical("[2001:db8:0:1:0:0:0:1]")).toBe("[2001:db8:0:1::1]:2375");
    expect(canonical("[2001:db8:0:1:1:1:1:1]")).toBe("[2001:db8:0:1:1:1:1:1]:2375");
    expect(canonical("[::]:1")).toBe("[::]:1");
    expect(canonical("[::1.2.3.4]:1")).toBe("[::102:304]:1");
  });

  it("keeps DNS names, lowercased and without the trailing dot", () => {
    expect(parseAddress("tcp://Docker-1.Example.COM.:2376")).toEqual({
      addr: "docker-1.example.com:2376",
      host: "docker-1.example.com",
      port: 2376,
      literal: false,
    });
    expect(canonical("docker_1.internal")).toBe("docker_1.internal:2375");
  });

  it("takes the engine's port when none is given: 2376 with TLS, else 2375", () => {
    expect(canonical("10.0.0.1")).toBe("10.0.0.1:2375");
    expect(canonical("10.0.0.1", true)).toBe("10.0.0.1:2376");
    expect(canonical("10.0.0.1:2375", true)).toBe("10.0.0.1:2375");
  });

  it.each([
    ["http://10.0.0.1:2375", "the scheme http:// is not supported"],
    ["unix:///var/run/docker.sock", "the scheme unix:// is not supported"],
    ["tcp://10.0.0.1:2375/", "the port must be"],
    ["10.0.0.1:0", "the port must be"],
    ["10.0.0.1:65536", "the port must be"],
    ["10.0.0.1:", "the port must be"],
    ["::1:2375", "an IPv6 address goes in brackets"],
    ["[fe80::1%25eth0]:2375", "zone"],
    ["[1:2:3:4:5:6:7:8:9]:2375", "is not an IPv6 address"],
    ["[1.2.3.4::]:2375", "is not an IPv6 address"],
    ["[::ffff:127.1]:2375", "is not an IPv6 address"],
    ["1.2.3.4.5:2375", "is not an IPv4 address"],
    ["256.0.0.1:2375", "is not an IPv4 address"],
    ["08.0.0.1:2375", "is not an IPv4 address"],
    ["docker.1:2375", "is not an IPv4 address"],
    ["4294967296:2375", "is not an IPv4 address"],
    ["user@host:2375", "is not a host name"],
    ["a..b:2375", "is not a host name"],
    ["-a.example:2375", "is not a host name"],
    [":2375", "is not a host name"],
    ["doc\u212aer.example:2375", "printable ASCII"],
    ["x".repeat(301), "at most 300 characters"],
  ])("refuses %s", (text, why) => {
    expect(canonical(text)).toContain(why);
  });

  it("agrees with Node's URL parser on IPv6 literals (which also writes RFC 5952)", () => {
    const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    const text = fc
      .array(group, { minLength: 8, maxLength: 8 })
      .map((groups) => groups.map((value) => value.toString(16)).join(":"));
    fc.assert(
      fc.property(text, (written) => {
        const ip = parseIPv6(written);
        expect(isIPv6(written)).toBe(true);
        expect(ip && formatIp(ip)).toBe(new URL(`http://[${written}]/`).hostname.slice(1, -1));
      }),
    );
  });

  it("agrees with Node's URL parser (inet_aton's rules) on IPv4 literals", () => {
    const part = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.integer({ min: 0, max: 300 }).map((value) => `0${value.toString(8)}`),
      fc.integer({ min: 0, max: 2 ** 32 }).map((value) => `0x${value.toString(16)}`),
      fc.integer({ min: 0, max: 2 ** 32 }).map(String),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const written = parts.join(".");
        let expected: string;
        try {
          expected = `${new URL(`http://${written}:1/`).hostname}:1`;
        } catch {
          expected = "refused";
        }
        const parsed = parseAddress(`${written}:1`);
        expect(typeof parsed === "string" ? "refused" : parsed.addr).toBe(expected);
      }),
    );
  });
});

describe("the hosts' allowlist", () => {
  it.each([
    ["169.254.169.254", "169.254.169.254 is link-local: never a Docker host"],
    ["[fe80::1]", "fe80::1 is link-local: never a Docker host"],
    ["0.0.0.0", "0.0.0.0 is unspecified: never a Docker host"],
    ["0.1.2.3", "0.1.2.3 is unspecified: never a Docker host"],
    ["::", ":: is unspecified: never a Docker host"],
    ["224.0.0.1", "224.0.0.1 is multicast: never a Docker host"],
    ["ff02::1", "ff02::1 is multicast: never a Docker host"],
    ["255.255.255.255", "255.255.255.255 is broadcast: never a Docker host"],
    ["fd00:ec2::254", "fd00:ec2::254 is the EC2 instance metadata service: never a Docker host"],
    ["::ffff:169.254.169.254", "169.254.169.254 is link-local: never a Docker host"],
    [
      "64:ff9b::a9fe:a9fe",
      "64:ff9b::a9fe:a9fe reaches 169.254.169.254 (NAT64), which is link-local: never a Docker host",
    ],
  ])("refuses %s whatever the list says", (ip, why) => {
    expect(refusal(ip, allowlist("0.0.0.0/0,::/0"))).toBe(why);
  });

  it("allows the private ranges in AWS, and loopback only locally", () => {
    for (const ip of ["10.0.0.11", "172.31.255.1", "192.168.1.1", "fd12::1", "::ffff:10.0.0.1"]) {
      expect(refusal(ip, AWS)).toBeUndefined();
    }
    expect(refusal("127.0.0.1", AWS)).toBe(
      "127.0.0.1 is not in the allowed host ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7)",
    );
    expect(refusal("172.32.0.1", AWS)).toContain("is not in the allowed host ranges");
    expect(refusal("8.8.8.8", AWS)).toContain("is not in the allowed host ranges");
    expect(refusal("127.0.0.1", LOCAL)).toBeUndefined();
    expect(refusal("[::1]", LOCAL)).toBeUndefined();
    expect(refusal("not-an-ip", LOCAL)).toBe('"not-an-ip" is not an IP address');
  });

  it("judges an address to register: its IP literal now, a DNS name once resolved", () => {
    expect(addressRefusal("2130706433:2375", AWS)).toContain("127.0.0.1 is not in the allowed host ranges");
    expect(addressRefusal("2130706433:2375", LOCAL)).toBeUndefined();
    expect(addressRefusal("169.254.169.254:80", LOCAL)).toBe(
      "169.254.169.254 is link-local: never a Docker host",
    );
    expect(addressRefusal("docker-1.example:2375", AWS)).toBeUndefined();
    expect(addressRefusal("http://docker-1.example", AWS)).toContain("is not supported");
  });

  it("parses comma-separated CIDRs, and says what is wrong with a bad list", () => {
    expect(allowlist(" 10.1.0.0/16 , 2001:db8::/32")).toMatchObject({
      cidrs: ["10.1.0.0/16", "2001:db8::/32"],
    });
    expect(refusal("10.1.2.3", allowlist("10.1.0.0/16"))).toBeUndefined();
    expect(refusal("10.2.0.1", allowlist("10.1.0.0/16"))).toContain(
      "not in the allowed host ranges (10.1.0.0/16)",
    );
    expect(refusal("2001:db8::1", allowlist("2001:db8::/32"))).toBeUndefined();
    expect(refusal("10.0.0.1", allowlist("::/0"))).toContain("not in the allowed host ranges");
    expect(parseAllowlist("")).toBe("name CIDRs separated by commas, with no empty entry");
    expect(parseAllowlist("10.0.0.0/8,")).toBe("name CIDRs separated by commas, with no empty entry");
    expect(parseAllowlist("10.0.0.0")).toBe('"10.0.0.0" is not a CIDR (a.b.c.d/n or ipv6/n)');
    expect(parseAllowlist("010.0.0.0/8")).toBe('"010.0.0.0/8" is not a CIDR (a.b.c.d/n or ipv6/n)');
    expect(parseAllowlist("10.0.0.0/33")).toBe("10.0.0.0/33: the prefix length must be 0-32");
    expect(parseAllowlist("fc00::/129")).toBe("fc00::/129: the prefix length must be 0-128");
    expect(parseAllowlist("10.0.0.1/8")).toBe(
      "10.0.0.1/8 has bits set past its prefix: did you mean 10.0.0.0/8?",
    );
    expect(parseAllowlist("169.254.0.0/16")).toBe("169.254.0.0/16 is link-local: never Docker hosts");
    expect(parseAllowlist("224.1.0.0/16")).toBe("224.1.0.0/16 is multicast: never Docker hosts");
  });
});
