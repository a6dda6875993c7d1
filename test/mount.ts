/**
 * The echo mounted in someone else's Hono app (examples/<runtime>.ts), under
 * /echo: the host's routes and ours side by side, the echo on /echo/ws.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { RawWebSocket } from "./harness/raw.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

export function describeMount(rt: RuntimeUnderTest, skipReason?: string): void {
  const script = rt.mountScript;
  if (!script) return;
  describe(`mounted under /echo in a host app (npm run ${script})`, () => {
    let server: ServerProcess;
    beforeAll(async () => {
      if (skipReason) throw new Error(skipReason);
      server = await startServer(script, { readyTimeoutMs: rt.readyTimeoutMs });
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
  });
}
