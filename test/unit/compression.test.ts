import { Buffer } from "node:buffer";
import { expect, test } from "vitest";
import {
  compressesMessage,
  offersDeflate,
  workersCompressionMismatch,
  workersExtensions,
} from "../../src/compression.ts";
// @ts-expect-error -- a plain .mjs launcher module without type declarations
import { compatibilityFlagsFor } from "../../scripts/worker-vars.mjs";

const offer = (value?: string) => new Headers(value === undefined ? {} : { "Sec-WebSocket-Extensions": value });

test("offersDeflate finds permessage-deflate among the offers, case-insensitively, and nothing else", () => {
  expect(offersDeflate(offer("permessage-deflate; client_max_window_bits"))).toBe(true);
  expect(offersDeflate(offer("x-webkit-deflate-frame, Permessage-Deflate"))).toBe(true);
  expect(offersDeflate(offer("permessage-deflate-x"))).toBe(false);
  expect(offersDeflate(offer(""))).toBe(false);
  expect(offersDeflate(offer())).toBe(false);
});

test("a Worker answers an offer with no context takeover when on, and nothing when off or not offered", () => {
  expect(workersExtensions(offer("permessage-deflate"), { compression: true })).toBe(
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15",
  );
  expect(workersExtensions(offer("permessage-deflate"), { compression: false })).toBeUndefined();
  expect(workersExtensions(offer(), { compression: true })).toBeUndefined();
});

test("a Worker whose COMPRESSION and compatibility flags disagree is told which flag to change", () => {
  expect(workersCompressionMismatch({ compression: true }, { web_socket_compression: false })).toMatch(
    /COMPRESSION=on needs .*remove no_web_socket_compression/,
  );
  expect(workersCompressionMismatch({ compression: false }, { web_socket_compression: true })).toMatch(
    /add no_web_socket_compression/,
  );
  expect(workersCompressionMismatch({ compression: true }, { web_socket_compression: true })).toBeUndefined();
  expect(workersCompressionMismatch({ compression: false }, undefined)).toBeUndefined();
});

test("the launchers drop no_web_socket_compression for COMPRESSION=on only", () => {
  const flags = ["web_socket_manual_reply_to_close", "no_web_socket_compression"];
  expect(compatibilityFlagsFor(flags, { COMPRESSION: " on " })).toEqual(["web_socket_manual_reply_to_close"]);
  expect(compatibilityFlagsFor(flags, { COMPRESSION: "off" })).toEqual(flags);
  expect(compatibilityFlagsFor(flags, {})).toEqual(flags);
});

test("compressesMessage compares UTF-8 bytes with the threshold, text and binary", () => {
  const length = (text: string) => Buffer.byteLength(text);
  expect(compressesMessage(new Uint8Array(1023), 1024, length)).toBe(false);
  expect(compressesMessage(new Uint8Array(1024).buffer, 1024, length)).toBe(true);
  expect(compressesMessage("a".repeat(1023), 1024, length)).toBe(false);
  expect(compressesMessage("a".repeat(1024), 1024, length)).toBe(true);
  // 342 × 3 bytes = 1026: past the threshold in bytes though not in UTF-16 units.
  expect(compressesMessage("€".repeat(342), 1024, length)).toBe(true);
  expect(compressesMessage("€".repeat(341), 1024, length)).toBe(false);
  expect(compressesMessage("", 0, length)).toBe(true);
});
