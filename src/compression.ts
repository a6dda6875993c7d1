/**
 * permessage-deflate (RFC 7692), the one policy every runtime follows
 * (docs/compression.md). Off by default: a secret compressed in the same
 * message as data an attacker chooses leaks through the compressed length
 * (CRIME, BREACH), which is why ASP.NET Core calls its switch
 * `DangerousEnableCompression`. On (COMPRESSION=on), memory stays bounded:
 *
 * - no context takeover either way: each message is compressed and inflated
 *   on its own, so no connection keeps a window between messages (Bun and
 *   workerd can then share or free their zlib state; `ws` resets its own);
 * - messages the server sends below COMPRESSION_THRESHOLD_BYTES go out as
 *   they are (Node, Bun; workerd has no threshold);
 * - at most ZLIB_CONCURRENCY zlib jobs at once on Node (`ws`'s limiter, its
 *   answer to zlib's memory fragmentation: websockets/ws#1202);
 * - MAX_MESSAGE_BYTES bounds the inflated size while inflating, so a small
 *   frame that inflates past it closes with 1009.
 *
 * Deno cannot negotiate it: `Deno.upgradeWebSocket` has no extensions
 * (denoland/deno#7681), so an offer is declined there whatever the setting.
 */
import type { EchoOptions } from "./options.ts";

/** The extension's registered name (RFC 7692 §7). */
export const PERMESSAGE_DEFLATE = "permessage-deflate";

/** How many zlib jobs `ws` runs at once across all connections (its own default, made explicit). */
export const ZLIB_CONCURRENCY = 10;

/** Whether the client's `Sec-WebSocket-Extensions` offers permessage-deflate (RFC 6455 §9.1 list syntax). */
export function offersDeflate(headers: Headers): boolean {
  const offer = headers.get("sec-websocket-extensions");
  if (!offer) return false;
  return offer.split(",").some((extension) => extension.split(";")[0]!.trim().toLowerCase() === PERMESSAGE_DEFLATE);
}

/**
 * What a Worker's 101 carries in `Sec-WebSocket-Extensions` with COMPRESSION
 * on and an offer from the client: the same bounded terms as elsewhere
 * (workerd negotiates from the Worker's header when it has one:
 * src/workerd/api/http.c++, `Response::send`). Undefined: nothing to answer.
 *
 * Off cannot be said per response: the empty value that workerd's
 * compatibility-date.capnp documents as "no compression" is treated as no
 * header, and workerd negotiates by itself (workerd 1.20260426; no upstream
 * issue found). What declines is the compatibility flag
 * `no_web_socket_compression`, which wrangler.toml sets and the launchers drop
 * for COMPRESSION=on (scripts/worker-vars.mjs); `workersCompressionMismatch`
 * stops a Worker whose flag and COMPRESSION disagree.
 */
export function workersExtensions(
  headers: Headers,
  options: Pick<EchoOptions, "compression">,
): string | undefined {
  if (!options.compression || !offersDeflate(headers)) return undefined;
  // workerd takes this as the most it agrees to, offer by offer (kj's compareClientAndServerConfigs): without
  // server_max_window_bits it would decline every offer that asks for a smaller server window, which RFC 7692
  // §7.1.2.1 lets a server accept by answering with that value.
  return `${PERMESSAGE_DEFLATE}; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15`;
}

/**
 * Why a Worker's COMPRESSION disagrees with its compatibility flags
 * (`Cloudflare.compatibilityFlags`, keyed by the enable flag's name), or
 * undefined when they agree or the flags are not known.
 */
export function workersCompressionMismatch(
  options: Pick<EchoOptions, "compression">,
  flags: Readonly<Record<string, boolean>> | undefined,
): string | undefined {
  const negotiates = flags?.["web_socket_compression"];
  if (negotiates === undefined || negotiates === options.compression) return undefined;
  return options.compression
    ? "COMPRESSION=on needs workerd's WebSocket compression: remove no_web_socket_compression from " +
      "compatibility_flags in wrangler.toml (docs/compression.md)"
    : "COMPRESSION is off but workerd would negotiate permessage-deflate by itself: add no_web_socket_compression " +
      "to compatibility_flags in wrangler.toml (docs/compression.md)";
}

/**
 * Whether a message the server sends goes out compressed: at least
 * `threshold` bytes. For text the UTF-16 length bounds the UTF-8 length
 * (between 1 and 3 bytes a unit), so the exact count is asked for only
 * between the two.
 */
export function compressesMessage(
  data: string | ArrayBuffer | Uint8Array,
  threshold: number,
  utf8Length: (text: string) => number,
): boolean {
  if (typeof data !== "string") return data.byteLength >= threshold;
  if (data.length >= threshold) return true;
  return data.length * 3 >= threshold && utf8Length(data) >= threshold;
}
