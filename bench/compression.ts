/**
 * The compressed bench lines (issue 28): what the load client offers, what it
 * accepts in a 101, how it deflates its messages and inflates the echoes, and
 * how each server is started with permessage-deflate on (ours: COMPRESSION=on;
 * the native ones: NATIVE_COMPRESSION, read by bench/native/*.mjs). No I/O, so
 * the unit tests import it (test/unit/bench-compression.test.ts).
 *
 * Both sides agree on no context takeover either way: each message is
 * deflated once before the run and sent many times, and each echo inflates on
 * its own, so equal compressed bytes mean equal data (`CompressedEchoes`).
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { PERMESSAGE_DEFLATE, ZLIB_CONCURRENCY } from "../src/compression.ts";
import { DEFAULT_OPTIONS } from "../src/options.ts";
import type { Runtime, Target } from "./servers.ts";

/** The client's offer: both directions without context takeover, the terms ours negotiates (src/compression.ts). */
export const DEFLATE_OFFER = `${PERMESSAGE_DEFLATE}; client_no_context_takeover; server_no_context_takeover`;

/** Ours's default threshold, given to the native servers so both compress the same messages. */
export const THRESHOLD_BYTES = DEFAULT_OPTIONS.compressionThreshold;

/**
 * How the client treats permessage-deflate on a set of connections: `require`
 * fails a connection whose server declines it (a compressed line against a
 * server that silently declined would measure nothing); `offer` accepts either
 * answer and sends plain frames where declined (ours with COMPRESSION=off, to
 * measure what turning it on costs).
 */
export type DeflateUse = "require" | "offer";

/** The terms a 101 accepted, as the client needs them to read the server's messages. */
export interface DeflateTerms {
  /** The server's LZ77 window (8..15): the echoes inflate with it. */
  serverMaxWindowBits: number;
}

/**
 * The server's answer to {@link DEFLATE_OFFER}: the terms, undefined when it
 * declined (no `Sec-WebSocket-Extensions`), or an `Error` saying why the answer
 * is not one RFC 7692 allows for this offer.
 */
export function acceptedDeflate(header: string | undefined): DeflateTerms | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const extensions = header.split(",").map((e) => e.trim());
  if (extensions.length !== 1) throw new Error(`the server accepted several extensions: "${header}"`);
  const [name, ...params] = extensions[0]!.split(";").map((p) => p.trim());
  if (name!.toLowerCase() !== PERMESSAGE_DEFLATE) throw new Error(`the server accepted "${name}", never offered`);
  const terms: DeflateTerms = { serverMaxWindowBits: 15 };
  let serverNoContextTakeover = false;
  const seen = new Set<string>();
  for (const param of params) {
    const [key, raw] = param.split("=").map((s) => s.trim());
    const k = key!.toLowerCase();
    if (seen.has(k)) throw new Error(`"${k}" twice in "${header}"`);
    seen.add(k);
    const value = raw?.replace(/^"(.*)"$/, "$1");
    if (k === "server_no_context_takeover" && value === undefined) serverNoContextTakeover = true;
    else if (k === "client_no_context_takeover" && value === undefined) continue;
    else if (k === "server_max_window_bits" && value !== undefined && /^(8|9|1[0-5])$/.test(value)) {
      terms.serverMaxWindowBits = Number(value);
    } else {
      // client_max_window_bits too: RFC 7692 §7.1.2.2 allows it only when offered, and it is not.
      throw new Error(`"${param}" in the server's answer "${header}" is not allowed for the offer "${DEFLATE_OFFER}"`);
    }
  }
  // §7.1.1.1: a server that accepts an offer with server_no_context_takeover says so.
  if (!serverNoContextTakeover) {
    throw new Error(`the server's answer "${header}" leaves out server_no_context_takeover, which the offer asks for`);
  }
  return terms;
}

/** The empty stored block a sync flush ends with, left off on the wire (RFC 7692 §7.2.1). */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** One message's compressed payload (RFC 7692 §7.2.1): raw DEFLATE, sync-flushed, the tail left off. */
export function deflateMessage(data: Uint8Array): Buffer {
  const out = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - TAIL.length);
}

/** A compressed message's data (§7.2.2), or a RangeError past `maxBytes`. */
export function inflateMessage(payload: Uint8Array, windowBits: number, maxBytes: number): Buffer {
  return inflateRawSync(Buffer.concat([payload, TAIL]), {
    finishFlush: constants.Z_SYNC_FLUSH,
    windowBits,
    maxOutputLength: Math.max(1, maxBytes),
  });
}

/**
 * The compressed echoes already inflated and found right, by ring slot. With
 * no context takeover an echo's bytes alone decide what it inflates to, so a
 * later echo with the same bytes is verified by comparing them, without
 * inflating again (the servers' zlib gives the same bytes for the same
 * message); any other bytes are inflated and compared in full. Shared by a
 * set's connections.
 */
export class CompressedEchoes {
  readonly #verified: (Buffer | undefined)[];
  readonly #bits: number[];
  /** Echoes that had to be inflated (the rest matched bytes verified before). */
  inflated = 0;

  constructor(size: number) {
    this.#verified = new Array(size);
    this.#bits = new Array(size);
  }

  /** Whether `payload`, inflated with `windowBits`, is `expected`; throws a description when it is not. */
  verify(slot: number, payload: Buffer, expected: Buffer, windowBits: number): void {
    const known = this.#verified[slot];
    if (known !== undefined && this.#bits[slot] === windowBits && known.equals(payload)) return;
    let data: Buffer;
    try {
      data = inflateMessage(payload, windowBits, expected.length + 1);
    } catch (error) {
      throw new Error(
        (error as Error).name === "RangeError"
          ? `wrong length: the echo inflates to more than the ${expected.length} bytes sent`
          : `corrupted echo: its ${payload.length} compressed bytes do not inflate (${(error as Error).message})`,
      );
    }
    this.inflated++;
    if (data.length !== expected.length) {
      throw new Error(`wrong length: the echo inflates to ${data.length} bytes, ${expected.length} sent`);
    }
    if (!data.equals(expected)) {
      let at = 0;
      while (data[at] === expected[at]) at++;
      throw new Error(`corrupted echo: inflated, it differs from what was sent from byte ${at}`);
    }
    this.#verified[slot] = Buffer.from(payload);
    this.#bits[slot] = windowBits;
  }
}

// ---- the servers ----------------------------------------------------------------------------------------

/** What bench/native/*.mjs read to turn permessage-deflate on with ours's settings (src/node/upgrade.ts, src/bun/runtime.ts). */
export const NATIVE_COMPRESSION_ENV: Readonly<Record<string, string>> = {
  NATIVE_COMPRESSION: "on",
  NATIVE_COMPRESSION_THRESHOLD_BYTES: String(THRESHOLD_BYTES),
  NATIVE_ZLIB_CONCURRENCY: String(ZLIB_CONCURRENCY),
};

/** Ours's options in a compressed mode; BENCH_OURS_ENV and BENCH_NATIVE_OURS_ENV are laid over them. */
export const OURS_COMPRESSION_ENV: Readonly<Record<string, string>> = { COMPRESSION: "on" };

/**
 * Whether the client requires permessage-deflate from a server in a compressed
 * mode: from ours, unless its options (`oursEnv`, or `nativeOursEnv` for the
 * "native" side when that is ours) turn it off; from a native server, always.
 */
export function deflateUse(
  target: Target,
  oursEnv: Readonly<Record<string, string>>,
  nativeOursEnv: Readonly<Record<string, string>> | undefined,
): DeflateUse {
  const env = target === "ours" ? oursEnv : nativeOursEnv;
  if (env === undefined) return "require";
  return ({ ...OURS_COMPRESSION_ENV, ...env }).COMPRESSION?.trim() === "on" ? "require" : "offer";
}

/** Why a compressed mode has no figure on `runtime`, or undefined when it runs there. */
export function compressionNotApplicable(runtime: Runtime): string | undefined {
  if (runtime !== "deno") return undefined;
  return "n/a: Deno.upgradeWebSocket cannot negotiate permessage-deflate (denoland/deno#7681); " +
    "ours and the native server both decline it there";
}
