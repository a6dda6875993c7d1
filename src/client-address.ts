/**
 * Who the client is, for the per-client connection limit: the peer's address,
 * unless the peer is a proxy named in TRUSTED_PROXIES; then the right-most
 * address in `X-Forwarded-For` that is not one of those proxies.
 *
 * Why the right-most: each proxy appends the address it received the request
 * from, so the entries a trusted proxy wrote are at the right end, and
 * everything left of the first untrusted one is whatever the client chose to
 * send. The left-most entry, which many examples read, is the client's own
 * claim and spoofable. The address parsing is Hono's (`hono/utils/ipaddr`,
 * the same code as its `ip-restriction` middleware).
 */
import {
  convertIPv4BinaryToString,
  convertIPv4MappedIPv6ToIPv4,
  convertIPv4ToBinary,
  convertIPv6BinaryToString,
  convertIPv6ToBinary,
  distinctRemoteAddr,
  isIPv4MappedIPv6,
} from "hono/utils/ipaddr";

/** An address as a number: IPv4 in 32 bits, IPv6 in 128; an IPv4-mapped IPv6 address as its IPv4 one. */
interface Binary {
  v4: boolean;
  bits: bigint;
}

function toBinary(address: string): Binary | undefined {
  try {
    const type = distinctRemoteAddr(address);
    if (type === "IPv4") return { v4: true, bits: convertIPv4ToBinary(address) };
    if (type !== "IPv6") return undefined;
    const bits = convertIPv6ToBinary(address);
    return isIPv4MappedIPv6(bits) ? { v4: true, bits: convertIPv4MappedIPv6ToIPv4(bits) } : { v4: false, bits };
  } catch {
    return undefined; // Hono throws a TypeError for a malformed address
  }
}

interface Range {
  v4: boolean;
  prefix: bigint;
  mask: bigint;
}

function toRange(entry: string): Range | undefined {
  const slash = entry.indexOf("/");
  const address = toBinary(slash < 0 ? entry : entry.slice(0, slash));
  if (!address) return undefined;
  // An IPv4-mapped range (::ffff:10.0.0.0/104) is the IPv4 range it maps.
  const mapped = address.v4 && entry.includes(":");
  const width = address.v4 ? 32 : 128;
  let length = width;
  if (slash >= 0) {
    const text = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(text)) return undefined;
    length = Number(text) - (mapped ? 96 : 0);
    if (length < 0 || length > width) return undefined;
  }
  const mask = ((1n << BigInt(length)) - 1n) << BigInt(width - length);
  return { v4: address.v4, prefix: address.bits & mask, mask };
}

/** Whether `entry` is an IPv4 or IPv6 address, or a CIDR range of either (what TRUSTED_PROXIES lists). */
export function isAddressOrRange(entry: string): boolean {
  return toRange(entry) !== undefined;
}

/** A list of addresses and CIDR ranges, IPv4 and IPv6. */
export class AddressList {
  readonly #ranges: Range[];

  /** Throws a TypeError naming the first entry that is neither an address nor a range. */
  constructor(entries: readonly string[]) {
    this.#ranges = entries.map((entry) => {
      const range = toRange(entry.trim());
      if (!range) throw new TypeError(`not an IP address or CIDR range: "${entry}"`);
      return range;
    });
  }

  get size(): number {
    return this.#ranges.length;
  }

  /** Whether `address` is in the list; never for something that is not an address. */
  has(address: string): boolean {
    const binary = toBinary(address);
    if (!binary) return false;
    return this.#ranges.some((range) => range.v4 === binary.v4 && (binary.bits & range.mask) === range.prefix);
  }
}

/**
 * One spelling per address, so that counts keyed by it agree: an IPv4-mapped
 * IPv6 address (`::ffff:127.0.0.1`, how a dual-stack Node server reports an
 * IPv4 peer) as its IPv4 form, IPv6 in Hono's normalized form; anything else as
 * given.
 */
export function normalizeAddress(address: string): string {
  const binary = toBinary(address);
  if (!binary) return address;
  return binary.v4 ? convertIPv4BinaryToString(binary.bits) : convertIPv6BinaryToString(binary.bits);
}

/**
 * An `X-Forwarded-For` entry as an address: `1.2.3.4`, `1.2.3.4:5678`,
 * `[2001:db8::1]:443` or `2001:db8::1`; undefined for anything else
 * (`unknown`, an obfuscated identifier, garbage).
 */
function forwardedAddress(entry: string): string | undefined {
  let value = entry.trim();
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracket) value = bracket[1]!;
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.indexOf(":"));
  return toBinary(value) ? value : undefined;
}

/**
 * The client's address (normalized, see `normalizeAddress`), or undefined when
 * the runtime does not tell the peer's.
 *
 * - The peer is not a trusted proxy (or none are trusted): the peer. A client
 *   that sends `X-Forwarded-For` itself changes nothing.
 * - The peer is trusted: walking `X-Forwarded-For` from the right, the first
 *   address that is not a trusted proxy. If every entry is trusted, the
 *   left-most; if the header is absent, the peer. An entry that is no address
 *   ends the walk at the last address seen, so garbage never becomes a key.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | null,
  trusted: AddressList,
): string | undefined {
  if (peer === undefined || peer === "") return undefined;
  let client = peer;
  if (trusted.size > 0 && forwardedFor !== null && trusted.has(peer)) {
    const entries = forwardedFor.split(",");
    for (let i = entries.length - 1; i >= 0; i--) {
      const address = forwardedAddress(entries[i]!);
      if (address === undefined) break;
      client = address;
      if (!trusted.has(address)) break;
    }
  }
  return normalizeAddress(client);
}
