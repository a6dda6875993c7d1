/**
 * The echo mounted in someone else's Hono app (examples/<runtime>.ts), under
 * /echo: the host's routes and ours side by side, the echo on /echo/ws. The
 * example gives its options once, to `createEchoApp` (from the environment
 * here, plus its own sub-protocol); what Node and Bun wire besides reads them
 * from the echo app, which the limits checked here prove.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { within } from "./harness/deadline.ts";
import { encodeFrame, Opcode } from "./harness/frames.ts";
import { RawWebSocket } from "./harness/raw.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

const KEEP_ALIVE_MS = 200;
const MAX_MESSAGE = 65536;
const MOUNT_ENV = {
  KEEP_ALIVE_INTERVAL_MS: String(KEEP_ALIVE_MS),
  // No pong deadline: the raw client below answers pings only while it reads.
  KEEP_ALIVE_TIMEOUT_MS: "0",
  MAX_MESSAGE_BYTES: String(MAX_MESSAGE),
  LOG_LEVEL: "warn",
};

export function describeMount(rt: RuntimeUnderTest): void {
  const script = rt.mountScript;
  if (!script) return;
  describe(`mounted under /echo in a host app (npm run ${script}), options given once`, () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServer(script, { env: MOUNT_ENV, readyTimeoutMs: rt.readyTimeoutMs });
    }, 120_000);
    afterAll(() => server?.stop(), 30_000);

    test("the echo answers on /echo/ws with its type, beside the host's own routes", async () => {
      const client = await EchoClient.open(`ws://127.0.0.1:${server.port}/echo/ws`);
      client.send("mounted");
      client.send(new Uint8Array([1, 2, 3]));
      const text = await client.next(5_000, "the text echo");
      const binary = await client.next(5_000, "the binary echo");
      expect([text.binary, text.data.toString()]).toEqual([false, "mounted"]);
      expect([binary.binary, [...binary.data]]).toEqual([true, [1, 2, 3]]);
      expect(await client.close(4000, "bye")).toEqual({ code: 4000, reason: "bye" });
      expect(await (await fetch(`${server.origin}/hello`)).text()).toBe("my app\n");
    });

    test("the mounted app keeps its rules: 426 without a handshake, the sub-protocol it was given", async () => {
      const plain = await fetch(`${server.origin}/echo/ws`);
      await plain.body?.cancel();
      expect(plain.status).toBe(426);
      const { head, socket } = await RawWebSocket.open(server.port, {
        path: "/echo/ws",
        headers: { "Sec-WebSocket-Protocol": "x, chat" },
      });
      expect(head.status).toBe(101);
      expect(head.headers["sec-websocket-protocol"]).toBe("chat");
      socket.destroy();
      const unmounted = await fetch(`${server.origin}/ws`);
      await unmounted.body?.cancel();
      expect(unmounted.status).toBe(404);
    });

    test(`the echo app's size limit: ${MAX_MESSAGE} bytes echo, one more closes with 1009`, async () => {
      const client = await EchoClient.open(`ws://127.0.0.1:${server.port}/echo/ws`);
      client.send(Buffer.alloc(MAX_MESSAGE, 1));
      expect((await client.next(10_000, "the echo at the limit")).data.length).toBe(MAX_MESSAGE);
      client.send(Buffer.alloc(MAX_MESSAGE + 1, 2));
      expect((await within(10_000, "the close after an over-long message", client.closed)).code).toBe(1009);
    });

    test(
      `the echo app's keep-alive: pings ${
        rt.capabilities.serverPings === "none" ? "never come (no ping API)" : `every ${KEEP_ALIVE_MS} ms`
      }`,
      async () => {
        const { head, socket } = await RawWebSocket.open(server.port, { path: "/echo/ws" });
        expect(head.status).toBe(101);
        try {
          if (rt.capabilities.serverPings === "none") {
            await expect(socket.nextFrame(5 * KEEP_ALIVE_MS, "a ping")).rejects.toThrow(/timed out/);
            return;
          }
          for (let i = 0; i < 2; i++) {
            const frame = await socket.nextFrame(10 * KEEP_ALIVE_MS, `ping #${i + 1}`);
            expect(frame.opcode).toBe(Opcode.ping);
            socket.send(encodeFrame(Opcode.pong, frame.payload));
          }
        } finally {
          socket.destroy();
        }
      },
    );
  });
}
