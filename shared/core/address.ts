import {
  type Cidr,
  endsInNumber,
  formatIp,
  type Ip,
  inCidr,
  parseCidr,
  parseIPv4,
  parseIPv6,
  unmapped,
} from "./ip.js";

/** Docker's plain port, and the port of an engine reached with TLS. */
export const DOCKER_PORT = 2375;
export const DOCKER_TLS_PORT = 2376;

/** A Docker engine's address in canonical form: one engine, one text, whatever way it was written. */
export interface HostAddress {
  /** `host:port` (an IPv6 host in brackets): what is stored, shown, and compared for duplicates. */
  addr: string;
  /** The IP literal (RFC 5952 for IPv6) or the lowercase DNS name, without brackets or trailing dot. */
  host: string;
  port: number;
  /** Whether `host` is an IP literal (checked at registration) or a DNS name (checked once resolved). */
  literal: boolean;
}

const MAX_ADDRESS_LENGTH = 300;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const DNS_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Parses `[tcp://]host[:port]` into its canonical form, or says what is wrong. The scheme is `tcp` in
 * any case or none; the host is a DNS name (case and trailing dot dropped), an IPv4 literal in any form
 * inet_aton takes (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`), an IPv6 literal in brackets
 * (`::ffff:a.b.c.d` is that IPv4 address), or `localhost` (RFC 6761: 127.0.0.1). Without a port, the
 * engine's: 2376 when `tls`, else 2375.
 */
export function parseAddress(text: string, tls = false): HostAddress | string {
  if (text.length > MAX_ADDRESS_LENGTH) return `must be at most ${MAX_ADDRESS_LENGTH} characters`;
  // ASCII only: lowercasing some other characters yields ASCII ones (the Kelvin sign becomes k).
  if (!/^[\x21-\x7e]*$/.test(text)) return "must be printable ASCII, without spaces";
  const scheme = SCHEME.exec(text)?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== "tcp") {
    return `the scheme ${scheme}:// is not supported: use host:port or tcp://host:port`;
  }
  const rest = scheme === undefined ? text : text.slice(scheme.length + 3);
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  const unbracketed = rest.split(":");
  if (!bracketed && unbracketed.length > 2) return "an IPv6 address goes in brackets: [ipv6]:port";
  const [hostText = "", portText] = bracketed ? [bracketed[1], bracketed[2]] : unbracketed;
  const port = portText === undefined ? (tls ? DOCKER_TLS_PORT : DOCKER_PORT) : parsePort(portText);
  if (port === undefined) return `the port must be a number of 1-65535, got ${JSON.stringify(portText)}`;
  const host = bracketed ? ipv6Host(hostText) : namedHost(hostText);
  if (typeof host === "string") return host;
  const hostPart = host.literal ? formatIp(host.ip) : host.name;
  return {
    addr: host.literal && host.ip.length === 16 ? `[${hostPart}]:${port}` : `${hostPart}:${port}`,
    host: hostPart,
    port,
    literal: host.literal,
  };
}

type ParsedHost = { literal: true; ip: Ip } | { literal: false; name: string };

function parsePort(text: string): number | undefined {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  return port >= 1 && port <= 65535 ? port : undefined;
}

function ipv6Host(text: string): ParsedHost | string {
  if (text.includes("%")) return `[${text}]: an address with a zone is link-local: never a Docker host`;
  const ip = parseIPv6(text);
  return ip ? { literal: true, ip: unmapped(ip) } : `[${text}] is not an IPv6 address`;
}

function namedHost(text: string): ParsedHost | string {
  const name = text.toLowerCase().replace(/\.$/, "");
  // getaddrinfo reads such a name as an IPv4 literal, whatever DNS holds.
  if (endsInNumber(name)) {
    const ip = parseIPv4(name);
    return ip ? { literal: true, ip } : `${JSON.stringify(text)} is not an IPv4 address`;
  }
  if (name.length === 0 || name.length > 253 || !name.split(".").every((label) => DNS_LABEL.test(label))) {
    return `${JSON.stringify(text)} is not a host name (letters, digits, - and _ in dot-separated labels)`;
  }
  // RFC 6761: localhost and the names under it are loopback, whatever DNS holds.
  if (name === "localhost" || name.endsWith(".localhost")) {
    return { literal: true, ip: Uint8Array.of(127, 0, 0, 1) };
  }
  return { literal: false, name };
}

/** The CIDRs an operator allows Docker hosts in, as configured and parsed. */
export interface Allowlist {
  /** As configured. */
  cidrs: readonly string[];
  ranges: readonly Cidr[];
}

/** What AWS deployments allow by default: the private ranges (RFC 1918 and unique local IPv6). */
export const PRIVATE_RANGES: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "fc00::/7",
];

/** Loopback: allowed by default on a developer's machine only (`npm start`), where the engines are local. */
export const LOOPBACK_RANGES: readonly string[] = ["127.0.0.0/8", "::1/128"];

/** Never a Docker host, whatever the allowlist says: the first range an address is in says why. */
const NEVER: readonly [range: Cidr, why: string][] = (
  [
    ["169.254.0.0/16", "link-local"],
    ["fe80::/10", "link-local"],
    // Inside fc00::/7, which is allowed by default: EC2's metadata service on IPv6.
    ["fd00:ec2::254/128", "the EC2 instance metadata service"],
    ["0.0.0.0/8", "unspecified"],
    ["::/128", "unspecified"],
    ["224.0.0.0/4", "multicast"],
    ["ff00::/8", "multicast"],
    ["255.255.255.255/32", "broadcast"],
  ] as const
).map(([text, why]) => [parseCidr(text) as Cidr, why]);

/** NAT64's well-known prefix (RFC 6052): its last 32 bits are an IPv4 address it reaches. */
const NAT64 = parseCidr("64:ff9b::/96") as Cidr;

/** Comma-separated CIDRs (IPv4 and IPv6), or what is wrong with them. */
export function parseAllowlist(text: string): Allowlist | string {
  const cidrs = text.split(",").map((entry) => entry.trim());
  if (cidrs.some((entry) => entry === "")) return "name CIDRs separated by commas, with no empty entry";
  const ranges: Cidr[] = [];
  for (const entry of cidrs) {
    const range = parseCidr(entry);
    if (typeof range === "string") return range;
    // A range wholly inside a never-allowed one is a mistake worth naming now, not at each registration.
    const never = NEVER.find(([refused]) => refused.prefix <= range.prefix && inCidr(range.network, refused));
    if (never) return `${entry} is ${never[1]}: never Docker hosts`;
    ranges.push(range);
  }
  return { cidrs, ranges };
}

/**
 * Why an IP address may not be a Docker host (e.g. "169.254.169.254 is link-local: never a Docker
 * host"), or undefined when the allowlist allows it. Takes IPv4 (any inet_aton form) and IPv6 (bare
 * or bracketed); an IPv4-mapped IPv6 address is judged as its IPv4 address, and a NAT64 one is also
 * refused when the IPv4 address it reaches is never a host.
 */
export function refusal(ip: string, allowlist: Allowlist): string | undefined {
  const bare = /^\[(.*)\]$/.exec(ip)?.[1] ?? ip;
  const parsed = bare.includes(":") ? parseIPv6(bare) : parseIPv4(bare);
  if (!parsed) return `${JSON.stringify(ip)} is not an IP address`;
  const address = unmapped(parsed);
  const text = formatIp(address);
  const never = neverReason(address);
  if (never) return `${text} is ${never}: never a Docker host`;
  // NAT64 reaches the IPv4 address in its last 32 bits.
  const reached = inCidr(address, NAT64) ? address.slice(12) : undefined;
  const neverReached = reached && neverReason(reached);
  if (neverReached)
    return `${text} reaches ${formatIp(reached)} (NAT64), which is ${neverReached}: never a Docker host`;
  if (allowlist.ranges.some((range) => inCidr(address, range))) return undefined;
  return `${text} is not in the allowed host ranges (${allowlist.cidrs.join(", ")})`;
}

function neverReason(address: Ip): string | undefined {
  return NEVER.find(([range]) => inCidr(address, range))?.[1];
}

/**
 * Why an address may not be registered: malformed, or an IP literal the allowlist refuses. A DNS name
 * passes here; what it resolves to is checked with `refusal` when the engine is contacted.
 */
export function addressRefusal(addr: string, allowlist: Allowlist): string | undefined {
  const address = parseAddress(addr);
  if (typeof address === "string") return address;
  return address.literal ? refusal(address.host, allowlist) : undefined;
}
