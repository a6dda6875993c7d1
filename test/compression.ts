/**
 * permessage-deflate (issue 28) on a server started with COMPRESSION=on: the
 * negotiated terms, compressed echoes of text and binary, fragmented
 * compressed messages, RSV1 where RFC 7692 forbids it, and a deflate bomb
 * against MAX_MESSAGE_BYTES. With the default (off) the offer is declined:
 * test/suite.ts, `deflate`. Where the runtime cannot negotiate (Deno), the
 * capability says so and the test pins the refusal.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sleep } from "./harness/deadline.ts";
import { compressedFrames, deflateMessage, messageOf, RSV1 } from "./harness/deflate.ts";
import { closePayload, encodeFrame, type Frame, Opcode } from "./harness/frames.ts";
import { pattern } from "./harness/payloads.ts";
import { serverProcess } from "./harness/proc.ts";
import { RawWebSocket } from "./harness/raw.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
/** Large enough for the 1 MiB echoes; the bomb inflates to 64 times it. */
const MAX_MESSAGE_BYTES = 2 * MiB;
const THRESHOLD = 1024;
const SIZES = [0, 1, 125, THRESHOLD - 1, THRESHOLD, 65_536, MiB];
/** 128 MiB of zeros deflate to about 128 KiB (1000:1). */
const BOMB_BYTES = 128 * MiB;
/** What the server's RSS may grow by while it refuses the bomb, beyond what it inflates: zlib's buffers, allocator slack. */
const BOMB_RSS_SLACK = 24 * MiB;
const OFFER = "permessage-deflate; client_max_window_bits";

/** Compressible text of exactly `size` UTF-8 bytes: words from a small vocabulary, some not ASCII. */
function prose(size: number, seed: number): string {
  const words = ["echo", "socket", "frame", "deflate", "message", "runtime", "window", "ünïcødé", "✓"];
  // A line of the words (about 80 bytes), repeated past `size`, then cut to it on a character boundary.
  const line = Array.from({ length: 9 }, (_, i) => words[((seed + i) * 7) % words.length]).join(" ") + "\n";
  let out = line.repeat(Math.ceil(size / line.length) + 1);
  const bytes = Buffer.from(out);
  out = bytes.subarray(0, size).toString("utf8").replace(/\uFFFD+$/, "");
  return out + ".".repeat(size - Buffer.byteLength(out));
}

/** Reads data frames up to the one with FIN; control frames in between are an error here. */
async function nextMessage(socket: RawWebSocket, what: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    const frame = await socket.nextFrame(30_000, what);
    if (frame.opcode >= 0x8) {
      throw new Error(`${what}: got control frame ${frame.opcode} (${frame.payload.toString()})`);
    }
    frames.push(frame);
    if (frame.fin) return frames;
  }
}

/** How the server ended the connection: its close code, or "ended" when TCP closed without a close frame. */
async function ending(socket: RawWebSocket, what: string): Promise<number | "ended"> {
  for (;;) {
    let frame: Frame;
    try {
      frame = await socket.nextFrame(15_000, what);
    } catch (error) {
      if (socket.isEnded) return "ended";
      throw error;
    }
    if (frame.opcode === Opcode.close) return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
  }
}

export function describeCompression(rt: RuntimeUnderTest): void {
  const { compression, compressionThreshold, inflateBound, misplacedRsv1 } = rt.capabilities;
  const bombRssBound = (inflateBound === "limit" ? MAX_MESSAGE_BYTES : inflateBound) + BOMB_RSS_SLACK;
  describe(`COMPRESSION=on (${compression ? "negotiated" : "declined by the runtime"})`, () => {
    let server: ServerProcess;
    const sockets: RawWebSocket[] = [];
    const open = async (offer = OFFER) => {
      const opened = await RawWebSocket.open(server.port, { headers: { "Sec-WebSocket-Extensions": offer } });
      sockets.push(opened.socket);
      return opened;
    };

    beforeAll(async () => {
      server = await startServer(rt.script, {
        env: {
          COMPRESSION: "on",
          COMPRESSION_THRESHOLD_BYTES: String(THRESHOLD),
          MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
        },
        readyTimeoutMs: rt.readyTimeoutMs,
      });
    }, 120_000);

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await server?.stop();
    }, 30_000);

    if (!compression) {
      test("an offer is declined (Deno.upgradeWebSocket has no extensions: denoland/deno#7681), and the echo works", async () => {
        const { head, socket } = await open();
        expect(head.status).toBe(101);
        expect(head.headers["sec-websocket-extensions"]).toBeUndefined();
        socket.send(encodeFrame(Opcode.text, Buffer.from("plain")));
        const echo = messageOf(await nextMessage(socket, "the echo without compression"));
        expect(echo).toEqual({ opcode: Opcode.text, compressed: false, data: Buffer.from("plain") });
      });
      return;
    }

    test("the offer is accepted without context takeover on either side", async () => {
      const { head } = await open();
      expect(head.status).toBe(101);
      const terms = head.headers["sec-websocket-extensions"]?.split(";").map((t) => t.trim()) ?? [];
      expect(terms[0]).toBe("permessage-deflate");
      expect(terms).toContain("server_no_context_takeover");
      expect(terms).toContain("client_no_context_takeover");
    });

    test("a handshake without an offer gets no extension, and the echo is plain", async () => {
      const { head, socket } = await RawWebSocket.open(server.port);
      sockets.push(socket);
      expect(head.headers["sec-websocket-extensions"]).toBeUndefined();
      socket.send(encodeFrame(Opcode.binary, pattern(4 * KiB, 3)));
      const echo = messageOf(await nextMessage(socket, "the echo on a connection without compression"));
      expect(echo.compressed).toBe(false);
      expect(echo.data.equals(pattern(4 * KiB, 3))).toBe(true);
    });

    for (const size of SIZES) {
      for (const kind of ["text", "binary"] as const) {
        const below = size < THRESHOLD;
        const expectCompressed = !below || !compressionThreshold;
        test(
          `compressed ${kind}, ${size} bytes, comes back identical${
            expectCompressed ? " and compressed" : ` and uncompressed (below ${THRESHOLD})`
          }`,
          async () => {
            const { socket } = await open();
            const data = kind === "text" ? Buffer.from(prose(size, size)) : pattern(size, size % 251);
            expect(data.length).toBe(size);
            for (const frame of compressedFrames(kind === "text" ? Opcode.text : Opcode.binary, data)) {
              socket.send(frame);
            }
            const echo = messageOf(await nextMessage(socket, `the echo of ${size} compressed ${kind} bytes`));
            expect(echo.opcode).toBe(kind === "text" ? Opcode.text : Opcode.binary);
            expect(echo.data.length).toBe(size);
            expect(echo.data.equals(data)).toBe(true);
            if (size > 0) expect(echo.compressed, "RSV1 on the echo").toBe(expectCompressed);
            socket.send(encodeFrame(Opcode.close, closePayload(1000)));
          },
          60_000,
        );
      }
    }

    test("a fragmented compressed message (RSV1 on its first frame only) comes back whole", async () => {
      const { socket } = await open();
      const data = Buffer.from(prose(256 * KiB, 5));
      // Five frames, the compressed bytes split wherever the sizes fall (inside DEFLATE blocks).
      const frames = compressedFrames(Opcode.text, data, Math.ceil(deflateMessage(data).length / 5));
      expect(frames.length).toBe(5);
      for (const frame of frames) socket.send(frame);
      const echo = messageOf(await nextMessage(socket, "the echo of a fragmented compressed message"));
      expect(echo.opcode).toBe(Opcode.text);
      expect(echo.data.equals(data)).toBe(true);
    });

    test("plain and compressed messages interleave on one connection, in order", async () => {
      const { socket } = await open();
      const sent = Array.from({ length: 40 }, (_, i) => pattern(i * 131, i));
      for (const [i, data] of sent.entries()) {
        if (i % 2) socket.send(encodeFrame(Opcode.binary, data));
        else for (const frame of compressedFrames(Opcode.binary, data)) socket.send(frame);
      }
      for (const [i, data] of sent.entries()) {
        const echo = messageOf(await nextMessage(socket, `echo #${i} of ${sent.length}`));
        expect(echo.data.equals(data), `echo #${i}`).toBe(true);
      }
    });

    for (
      const [name, frames] of [
        ["a ping", () => [encodeFrame(Opcode.ping, Buffer.from("hi"), { rsv: RSV1 })]],
        ["a continuation frame", () => {
          const payload = deflateMessage(Buffer.from(prose(4 * KiB, 9)));
          const half = payload.length >> 1;
          return [
            encodeFrame(Opcode.text, payload.subarray(0, half), { fin: false, rsv: RSV1 }),
            encodeFrame(Opcode.continuation, payload.subarray(half), { rsv: RSV1 }),
          ];
        }],
      ] as const
    ) {
      test(
        `RSV1 on ${name} ${
          misplacedRsv1 === "fail" ? "fails the connection (1002 or TCP closed)" : "is ignored (workerd)"
        }, and the server serves others`,
        async () => {
          const { socket } = await open();
          for (const frame of frames()) socket.send(frame);
          if (misplacedRsv1 === "fail") {
            const end = await ending(socket, `the server failing the connection after RSV1 on ${name}`);
            expect([1002, "ended"]).toContain(end);
          } else {
            const answer = await socket.nextFrame(10_000, `workerd's answer to RSV1 on ${name}`);
            expect(answer.opcode).toBe(name === "a ping" ? Opcode.pong : Opcode.text);
          }
          const other = await open();
          for (const frame of compressedFrames(Opcode.text, Buffer.from("still here"))) other.socket.send(frame);
          expect(messageOf(await nextMessage(other.socket, "an echo after the failed connection")).data.toString())
            .toBe("still here");
        },
      );
    }

    test(
      `a deflate bomb (${BOMB_BYTES / MiB} MiB of zeros, ~1000:1) closes with 1009 and RSS grows by at most ${
        bombRssBound / MiB
      } MiB (${inflateBound === "limit" ? "MAX_MESSAGE_BYTES" : "the runtime's own cap"} + slack)`,
      async () => {
        const bomb = compressedFrames(Opcode.binary, Buffer.alloc(BOMB_BYTES));
        const wire = bomb.reduce((sum, frame) => sum + frame.length, 0);
        expect(wire * 100, "the bomb's compressed size is under 1/100 of its inflated size").toBeLessThan(BOMB_BYTES);
        const { socket } = await open();
        // Settle: the connection and its first allocations are not the bomb's.
        for (const frame of compressedFrames(Opcode.text, Buffer.from("warm up"))) socket.send(frame);
        await nextMessage(socket, "the warm-up echo");
        await sleep(200);
        const before = serverProcess(server.pid).rssBytes;
        let peak = before;
        const sampler = setInterval(() => {
          try {
            peak = Math.max(peak, serverProcess(server.pid).rssBytes);
          } catch {
            // the process group changed while sampling; the next sample counts
          }
        }, 5);
        try {
          for (const frame of bomb) socket.send(frame);
          const end = await ending(socket, "the server's close after the deflate bomb");
          await sleep(300);
          peak = Math.max(peak, serverProcess(server.pid).rssBytes);
          expect(end).toBe(1009);
        } finally {
          clearInterval(sampler);
        }
        expect(peak - before, `server RSS growth (before ${(before / MiB).toFixed(1)} MiB)`).toBeLessThan(
          bombRssBound,
        );
        // The server goes on serving.
        const other = await open();
        for (const frame of compressedFrames(Opcode.text, Buffer.from("after the bomb"))) other.socket.send(frame);
        expect(messageOf(await nextMessage(other.socket, "an echo after the bomb")).data.toString()).toBe(
          "after the bomb",
        );
      },
      60_000,
    );
  });
}
