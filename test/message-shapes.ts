/**
 * Legal messages in shapes a client library rarely sends, which a third-party
 * fuzzing suite found refused (issue #32): heavy fragmentation, empty
 * messages, many tiny messages back to back. Run on each runtime's shared
 * server by the suite.
 */
import { describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { closePayload, encodeFrame, fragments, type Frame, Opcode } from "./harness/frames.ts";
import { pattern, utf8 } from "./harness/payloads.ts";
import { RawWebSocket } from "./harness/raw.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

const MiB = 1024 * 1024;

/** The next whole message from the server, joining its fragments if it sent any. */
async function nextMessage(socket: RawWebSocket, ms: number, what: string): Promise<Frame> {
  const first = await socket.nextFrame(ms, what);
  if (first.opcode === Opcode.close) throw new Error(`close ${first.payload.readUInt16BE(0)} instead of ${what}`);
  const parts = [first.payload];
  for (let frame = first; !frame.fin;) {
    frame = await socket.nextFrame(ms, `the rest of ${what}`);
    parts.push(frame.payload);
  }
  return { ...first, fin: true, payload: Buffer.concat(parts) };
}

export function describeMessageShapes(rt: RuntimeUnderTest, port: () => number): void {
  const { fragmentLimit, closeReplyBehindMessages } = rt.capabilities;
  describe("message shapes (issue #32)", () => {
    for (const [type, opcode] of [["text", Opcode.text], ["binary", Opcode.binary]] as const) {
      test(`a 4 MiB ${type} message in 64-byte fragments is echoed whole`, async () => {
        const { socket } = await RawWebSocket.open(port());
        try {
          const message = type === "text" ? utf8(4 * MiB) : pattern(4 * MiB, 32);
          socket.send(Buffer.concat(fragments(opcode, message, 64)));
          const echo = await nextMessage(socket, 30_000, `the echo of 65,536 ${type} fragments`);
          expect(echo.opcode).toBe(opcode);
          expect(echo.payload.length).toBe(message.length);
          expect(echo.payload.equals(message), "echoed bytes").toBe(true);
        } finally {
          socket.destroy();
        }
      });
    }

    test(
      fragmentLimit
        ? `a message of more than ${fragmentLimit} fragments gets 1008 and the server serves the next client`
        : "a message of 262,145 one-byte fragments is echoed whole (no fragment count limit)",
      async () => {
        // The default MAX_MESSAGE_BYTES (16 MiB) allows 16 MiB / 64 = 262,144 fragments on Node.
        const count = 262_145;
        const message = Buffer.alloc(count, "f");
        const { socket } = await RawWebSocket.open(port());
        try {
          socket.send(Buffer.concat(fragments(Opcode.binary, message, 1)));
          if (fragmentLimit) {
            const frame = await socket.nextFrame(30_000, `the close after ${count} fragments`);
            expect(frame.opcode).toBe(Opcode.close);
            // `ws` closes with the code alone: its reason stays in its error, which the log gets.
            expect(frame.payload.readUInt16BE(0)).toBe(1008);
          } else {
            const echo = await nextMessage(socket, 30_000, `the echo of ${count} one-byte fragments`);
            expect(echo.payload.equals(message), "echoed bytes").toBe(true);
          }
        } finally {
          socket.destroy();
        }
        const client = await EchoClient.open(`ws://127.0.0.1:${port()}/ws`);
        client.send("still serving");
        expect((await client.next(10_000, "an echo on a fresh connection")).data.toString()).toBe("still serving");
        client.terminate();
      },
    );

    for (const type of ["text", "binary"] as const) {
      test(`an empty ${type} message, then a client close 1000: the echo, then 1000 back`, async () => {
        const client = await EchoClient.open(`ws://127.0.0.1:${port()}/ws`);
        client.send(type === "text" ? "" : new Uint8Array(0));
        const echo = await client.next(10_000, `the echo of an empty ${type} message`);
        expect(echo.binary).toBe(type === "binary");
        expect(echo.data.length).toBe(0);
        expect(await client.close(1000, "")).toEqual({ code: 1000, reason: "" });
      });

      const after = closeReplyBehindMessages === "sent" ? "then 1000 back" : "then TCP ends without a close frame";
      test(`1,000 ${type} messages of 0 to 64 bytes and a close 1000 in one write: all echoed in order, ${after}`, async () => {
        const { socket } = await RawWebSocket.open(port());
        try {
          const opcode = type === "text" ? Opcode.text : Opcode.binary;
          const messages = Array.from({ length: 1000 }, (_, i) => Buffer.alloc(i % 65, 97 + (i % 26)));
          socket.send(
            Buffer.concat([
              ...messages.map((m) => encodeFrame(opcode, m)),
              encodeFrame(Opcode.close, closePayload(1000)),
            ]),
          );
          for (const [i, message] of messages.entries()) {
            const echo = await socket.nextFrame(10_000, `echo #${i} of 1,000 (${message.length} bytes)`);
            expect(echo.opcode, `opcode of echo #${i}`).toBe(opcode);
            expect(echo.payload.equals(message), `bytes of echo #${i}`).toBe(true);
          }
          if (closeReplyBehindMessages === "dropped") {
            await socket.ended(10_000, "the end of TCP after 1,000 echoes");
            await expect(socket.nextFrame(1, "a close reply")).rejects.toThrow(/closed the TCP connection/);
            return;
          }
          const close = await socket.nextFrame(10_000, "the close reply after 1,000 echoes");
          expect(close.opcode).toBe(Opcode.close);
          expect(close.payload.readUInt16BE(0)).toBe(1000);
        } finally {
          socket.destroy();
        }
      });
    }
  });
}
