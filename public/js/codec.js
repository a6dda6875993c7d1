// Message data for the page: hex in and out, sizes, close-frame rules. Pure
// functions, no DOM, so they read (and test) on their own.

/**
 * Bytes from hex typed by a person: pairs of hex digits, optionally separated
 * by spaces, colons, dashes or commas, each optionally prefixed with 0x.
 * @param {string} input
 * @returns {Uint8Array<ArrayBuffer>}
 * @throws {Error} naming the first thing that is not hex
 */
export function parseHex(input) {
  const digits = input.replace(/0x/gi, "").replace(/[\s:,-]+/g, "");
  const bad = digits.search(/[^0-9a-f]/i);
  if (bad !== -1) throw new Error(`"${digits[bad]}" is not a hex digit`);
  if (digits.length % 2 !== 0) throw new Error(`odd number of hex digits (${digits.length}): each byte is two`);
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * "de ad be ef", cut after `max` bytes with an ellipsis.
 * @param {Uint8Array} bytes
 * @param {number} [max]
 */
export function toHex(bytes, max = 64) {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length > max ? `${shown} …` : shown;
}

/** @param {number} n */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** @param {number} ms */
export function formatMs(ms) {
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

const encoder = new TextEncoder();

/** @param {string} text */
export function utf8Length(text) {
  return encoder.encode(text).length;
}

/** A close frame's payload is at most 125 bytes, 2 of them the code (RFC 6455 §5.5). */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Why the browser would refuse `close(code, reason)`, or undefined when it
 * would not: WebSocket.close() takes 1000 or 3000–4999 and a reason of at most
 * 123 UTF-8 bytes (WHATWG WebSockets, close()).
 * @param {number} code
 * @param {string} reason
 * @returns {string | undefined}
 */
export function closeProblem(code, reason) {
  if (!Number.isInteger(code) || (code !== 1000 && (code < 3000 || code > 4999))) {
    return "A browser may close with 1000 or 3000–4999 only.";
  }
  const bytes = utf8Length(reason);
  if (bytes > MAX_CLOSE_REASON_BYTES) return `The reason is ${bytes} bytes of UTF-8; at most 123 fit in a close frame.`;
  return undefined;
}

/**
 * The sub-protocols typed as "chat, superchat", as the constructor takes them.
 * @param {string} input
 * @returns {string[]}
 */
export function parseProtocols(input) {
  return input.split(",").map((p) => p.trim()).filter((p) => p !== "");
}

/**
 * The URL the page's own server answers WebSockets on: ws: on http, wss: on https.
 * @param {Location | URL} location
 */
export function defaultSocketUrl(location) {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
}
