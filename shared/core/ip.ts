/** An IP address: 4 bytes (IPv4) or 16 (IPv6), network order. */
export type Ip = Uint8Array;

/** The IPv4 literal forms inet_aton accepts (and WHATWG URL parsing, and so getaddrinfo), or undefined. */
export function parseIPv4(text: string): Ip | undefined {
  const parts = text.split(".");
  if (parts.length > 4) return undefined;
  const numbers = parts.map(ipv4Number);
  const last = numbers.pop();
  if (last === undefined || numbers.some((part) => part === undefined || part > 255)) return undefined;
  // The last part fills the bytes the others leave: `127.1` is 127.0.0.1, `2130706433` too.
  if (last >= 256 ** (4 - numbers.length)) return undefined;
  const value = (numbers as number[]).reduce((sum, part, index) => sum + part * 256 ** (3 - index), 0) + last;
  return Uint8Array.of(value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

/** One part of an IPv4 literal: `0x` hex, leading-zero octal, or decimal. */
function ipv4Number(part: string): number | undefined {
  const [digits, radix, pattern] = /^0x/i.test(part)
    ? [part.slice(2), 16, /^[0-9a-f]*$/i]
    : part.length > 1 && part.startsWith("0")
      ? [part.slice(1), 8, /^[0-7]+$/]
      : [part, 10, /^[0-9]+$/];
  if (!pattern.test(digits)) return undefined;
  // Over 2^32 is refused later; long runs of digits stay exact enough to be refused too.
  return digits === "" ? 0 : Number.parseInt(digits, radix);
}

/**
 * Whether a host name's last label is a number (decimal or `0x` hex): such a name is an IPv4
 * literal to getaddrinfo, never a DNS name, so it must parse as IPv4 or be refused (WHATWG's rule).
 */
export function endsInNumber(host: string): boolean {
  const last = host.slice(host.lastIndexOf(".") + 1);
  return /^(?:[0-9]+|0x[0-9a-f]*)$/i.test(last);
}

/** An IPv6 literal (without brackets or zone; an IPv4 tail allowed, as `::ffff:10.0.0.1`), or undefined. */
export function parseIPv6(text: string): Ip | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  // Only the last half may end in an IPv4 address.
  const groups = halves.map((half, index) =>
    half === "" ? [] : ipv6Groups(half, index === halves.length - 1),
  );
  if (groups.some((half) => half === undefined)) return undefined;
  const [head = [], tail = []] = groups as number[][];
  const missing = 8 - head.length - tail.length;
  // Without `::` all eight groups are written; with it, it stands for at least one.
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return Uint8Array.from(all.flatMap((group) => [group >> 8, group & 255]));
}

/** Plain dotted decimal, without inet_aton's other forms (RFC 4291's IPv4 tail, and CIDRs as written). */
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Colon-separated 16-bit groups, the last of which may be a dotted IPv4 address (two groups). */
function ipv6Groups(text: string, last4: boolean): number[] | undefined {
  const parts = text.split(":");
  const last = parts.at(-1) ?? "";
  const tail: number[] = [];
  if (last4 && last.includes(".")) {
    if (!DOTTED_QUAD.test(last)) return undefined;
    const bytes = last.split(".").map(Number) as [number, number, number, number];
    tail.push((bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3]);
    parts.pop();
  }
  if (!parts.every((part) => /^[0-9a-f]{1,4}$/i.test(part))) return undefined;
  return [...parts.map((part) => Number.parseInt(part, 16)), ...tail];
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run (first of equals) of 2+ zero groups as `::`. */
export function formatIp(ip: Ip): string {
  if (ip.length === 4) return ip.join(".");
  const groups = Array.from(
    { length: 8 },
    (_, index) => ((ip[2 * index] ?? 0) << 8) | (ip[2 * index + 1] ?? 0),
  );
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > best.length) best = { start, length };
  }
  const hex = (list: number[]) => list.map((group) => group.toString(16)).join(":");
  if (best.start < 0) return hex(groups);
  return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255];

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it is; any other address unchanged. */
export function unmapped(ip: Ip): Ip {
  return ip.length === 16 && MAPPED_PREFIX.every((byte, index) => ip[index] === byte) ? ip.slice(12) : ip;
}

/** A range of addresses: the first `prefix` bits of `network`. */
export interface Cidr {
  network: Ip;
  prefix: number;
}

/** `a.b.c.d/n` or `ipv6/n` with no host bits set, or why not. */
export function parseCidr(text: string): Cidr | string {
  const [address = "", length, ...rest] = text.split("/");
  const network = DOTTED_QUAD.test(address) ? parseIPv4(address) : parseIPv6(address);
  if (rest.length > 0 || length === undefined || !network)
    return `${JSON.stringify(text)} is not a CIDR (a.b.c.d/n or ipv6/n)`;
  const bits = network.length * 8;
  const prefix = /^(?:0|[1-9]\d{0,2})$/.test(length) ? Number(length) : Number.NaN;
  if (!(prefix <= bits)) return `${text}: the prefix length must be 0-${bits}`;
  const base = Uint8Array.from(network, (byte, index) => byte & maskByte(prefix, index));
  if (base.some((byte, index) => byte !== network[index]))
    return `${text} has bits set past its prefix: did you mean ${formatIp(base)}/${prefix}?`;
  return { network, prefix };
}

/** Whether `ip` lies in `cidr` (an IPv4 address is never in an IPv6 range, nor the reverse). */
export function inCidr(ip: Ip, cidr: Cidr): boolean {
  return (
    ip.length === cidr.network.length &&
    ip.every((byte, index) => (byte & maskByte(cidr.prefix, index)) === cidr.network[index])
  );
}

/** The mask of byte `index` under a prefix of `prefix` bits. */
function maskByte(prefix: number, index: number): number {
  const bits = Math.min(8, Math.max(0, prefix - index * 8));
  return (0xff << (8 - bits)) & 0xff;
}
