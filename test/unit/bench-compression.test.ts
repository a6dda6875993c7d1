// The compressed bench lines (issue 28): what the client accepts in a 101, how it verifies
// compressed echoes, how each server is started, and what the modes are judged on.
import { constants, deflateRawSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import {
  acceptedDeflate,
  CompressedEchoes,
  compressionNotApplicable,
  DEFLATE_OFFER,
  deflateMessage,
  deflateUse,
  inflateMessage,
} from "../../bench/compression.ts";
import { buildRing, deflateRing } from "../../bench/frames.ts";
import { DEFAULT_MODES, metricsFor, MODES } from "../../bench/summary.ts";
import { EchoVerifier } from "../../bench/verifier.ts";

const ANSWER = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

describe("acceptedDeflate: the server's answer to the client's offer", () => {
  test("the offer asks for no context takeover both ways", () => {
    expect(DEFLATE_OFFER).toBe(
      ANSWER.replace("server_no_context_takeover; client", "client_no_context_takeover; server"),
    );
  });

  test("no header: declined; the usual answers: accepted, with the server's window", () => {
    expect(acceptedDeflate(undefined)).toBeUndefined();
    expect(acceptedDeflate("")).toBeUndefined();
    expect(acceptedDeflate(ANSWER)).toEqual({ serverMaxWindowBits: 15 });
    expect(acceptedDeflate("permessage-deflate; server_no_context_takeover")).toEqual({ serverMaxWindowBits: 15 });
    expect(acceptedDeflate(`${ANSWER}; server_max_window_bits=10`)).toEqual({ serverMaxWindowBits: 10 });
  });

  test.each([
    ["permessage-deflate; client_no_context_takeover", /leaves out server_no_context_takeover/],
    [`${ANSWER}; client_max_window_bits=10`, /not allowed for the offer/],
    [`${ANSWER}; server_max_window_bits=16`, /not allowed/],
    ["x-webkit-deflate-frame", /never offered/],
    [`${ANSWER}, permessage-deflate`, /several extensions/],
    [`${ANSWER}; server_no_context_takeover`, /twice/],
  ])("an answer RFC 7692 does not allow for the offer fails: %s", (header, message) => {
    expect(() => acceptedDeflate(header)).toThrow(message);
  });
});

describe("the servers in a compressed mode", () => {
  test("ours and native are required to negotiate; ours with COMPRESSION=off only offered", () => {
    expect(deflateUse("ours", {}, undefined)).toBe("require");
    expect(deflateUse("native", {}, undefined)).toBe("require");
    expect(deflateUse("ours", { COMPRESSION: "off" }, undefined)).toBe("offer");
    // BENCH_NATIVE_OURS_ENV=COMPRESSION=off: ours compressed against ours uncompressed.
    expect(deflateUse("native", {}, { COMPRESSION: "off" })).toBe("offer");
    expect(deflateUse("native", {}, { LOG_LEVEL: "silent" })).toBe("require");
  });

  test("Deno has no figure, with the upstream issue; the others run", () => {
    expect(compressionNotApplicable("deno")).toMatch(/^n\/a: .*denoland\/deno#7681/);
    for (const runtime of ["node", "bun", "workers"] as const) {
      expect(compressionNotApplicable(runtime)).toBeUndefined();
    }
  });

  test("judged as the uncompressed lines: MiB/s and CPU/msg; at 10,000, RSS/conn after one compressed echo", () => {
    const targets = (mode: string) =>
      Object.fromEntries(metricsFor(mode).filter((m) => m.target).map((m) => [m.name, m.target]));
    expect(targets("deflate64")).toEqual({ throughput: 0.95, "server CPU/msg": 1.05 });
    expect(targets("deflate64k")).toEqual({ throughput: 0.95, "server CPU/msg": 1.05 });
    expect(targets("deflate10k")).toEqual({ "RSS/conn after one echo": 1.1 });
  });

  test("the default run leaves the compressed modes out; they are named to run", () => {
    expect(DEFAULT_MODES).toEqual(["pingpong", "pipelined", "stream", "large", "conns5k", "conns10k"]);
    expect(Object.keys(MODES).filter((m) => MODES[m]!.compression)).toEqual(["deflate64", "deflate64k", "deflate10k"]);
  });
});

describe("compressed messages", () => {
  test("JSON-like text: exact size, valid UTF-8, all text, and compressible, though not trivially", () => {
    const ring = buildRing(4, 65_536, "json");
    for (let i = 0; i < ring.size; i++) {
      const payload = ring.payloads[i]!;
      expect(payload.length).toBe(65_536);
      expect(Buffer.from(payload.toString("utf8")).equals(payload)).toBe(true);
      expect(ring.opcodes[i]).toBe(1);
      const ratio = payload.length / deflateMessage(payload).length;
      expect(ratio).toBeGreaterThan(3);
      expect(ratio).toBeLessThan(30);
    }
    expect(ring.payloads[0]!.equals(ring.payloads[1]!)).toBe(false);
  });

  test("a deflated ring: one RSV1 frame per message whose payload, unmasked, inflates to the message", () => {
    const ring = buildRing(3, 64, "json");
    const deflated = deflateRing(ring);
    expect(deflated.compressed).toBe(true);
    for (let i = 0; i < ring.size; i++) {
      const frame = deflated.wire.subarray(deflated.offsets[i]!, deflated.offsets[i + 1]!);
      expect(frame[0]).toBe(0x80 | 0x40 | 1);
      const length = frame[1]! & 0x7f;
      expect(frame.length).toBe(2 + 4 + length);
      const mask = frame.subarray(2, 6);
      const payload = Buffer.from(frame.subarray(6).map((b, j) => b ^ mask[j & 3]!));
      expect(inflateMessage(payload, 15, 64).equals(ring.payloads[i]!)).toBe(true);
    }
  });

  test("CompressedEchoes: inflates a slot's echo once, then matches the same bytes; a wrong one throws", () => {
    const data = Buffer.from("héllo echo ".repeat(100));
    const echoes = new CompressedEchoes(2);
    const compressed = deflateMessage(data);
    echoes.verify(0, compressed, data, 15);
    echoes.verify(0, Buffer.from(compressed), data, 15);
    expect(echoes.inflated).toBe(1);
    // Other bytes for the same data (another compression level) are inflated, not trusted.
    const other = deflateRawSync(data, { level: 1, finishFlush: constants.Z_SYNC_FLUSH });
    echoes.verify(0, other.subarray(0, other.length - 4), data, 15);
    expect(echoes.inflated).toBe(2);
    const wrong = Buffer.from(data);
    wrong[700] = 0x21;
    expect(() => echoes.verify(1, deflateMessage(wrong), data, 15)).toThrow(/corrupted echo: .* from byte 700/);
    expect(() => echoes.verify(1, deflateMessage(Buffer.concat([data, data])), data, 15)).toThrow(/wrong length/);
    expect(() => echoes.verify(1, Buffer.from([0xff, 0xff, 0xff]), data, 15)).toThrow(/do not inflate/);
  });
});

describe("EchoVerifier with permessage-deflate", () => {
  const ring = buildRing(2, 2048, "json");
  const terms = { serverMaxWindowBits: 15 };
  const frame = (b0: number, payload: Buffer) =>
    Buffer.concat([Buffer.from([b0, 126, payload.length >> 8, payload.length & 0xff]), payload]);
  const verifier = (compressedFrom?: number) => {
    const v = new EchoVerifier(ring, {}, { terms, echoes: new CompressedEchoes(ring.size), compressedFrom });
    v.sent = 2;
    return v;
  };

  test("a compressed echo, fragmented and split across reads, is inflated and verified", () => {
    const v = verifier(1024);
    const payload = deflateMessage(ring.payloads[0]!);
    const half = payload.length >> 1;
    const wire = Buffer.concat([frame(0x40 | 1, payload.subarray(0, half)), frame(0x80, payload.subarray(half))]);
    let done = 0;
    for (let i = 0; i < wire.length; i += 5) done += v.push(wire.subarray(i, i + 5));
    expect(done).toBe(1);
    expect(v.compressedEchoes).toBe(1);
  });

  test("RSV1 without the extension, or on a continuation frame, fails", () => {
    const plain = new EchoVerifier(ring);
    plain.sent = 1;
    expect(() => plain.push(frame(0x80 | 0x40 | 1, deflateMessage(ring.payloads[0]!)))).toThrow(/RSV bits/);
    const v = verifier();
    expect(() =>
      v.push(Buffer.concat([frame(1, ring.payloads[0]!.subarray(0, 10)), frame(0x80 | 0x40, Buffer.alloc(1))]))
    )
      .toThrow(/RSV1 on a continuation frame/);
  });

  test("an uncompressed echo at the servers' threshold or above fails a compressed line; below, it passes", () => {
    expect(() => verifier(1024).push(frame(0x80 | 1, ring.payloads[0]!))).toThrow(/came back uncompressed/);
    expect(verifier(4096).push(frame(0x80 | 1, ring.payloads[0]!))).toBe(1);
  });
});
