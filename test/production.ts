/**
 * Production behaviour (issue 4), on a server started with short intervals and
 * small limits: keep-alive, size limit, origins, sub-protocols, connection
 * limit, handshake checks, flow control, logging, and SIGTERM last. Where a
 * runtime differs, the capability flag says how and the test pins it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { sleep, until, within } from "./harness/deadline.ts";
import { encodeFrame, Opcode } from "./harness/frames.ts";
import { groupProcesses } from "./harness/proc.ts";
import { RawWebSocket } from "./harness/raw.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

const KEEP_ALIVE_MS = 200;
const MAX_MESSAGE = 65536;
const MAX_CONNECTIONS = 4;
export const PRODUCTION_ENV = {
  KEEP_ALIVE_INTERVAL_MS: String(KEEP_ALIVE_MS),
  KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
  MAX_MESSAGE_BYTES: String(MAX_MESSAGE),
  ALLOWED_ORIGINS: "http://allowed.example",
  SUBPROTOCOLS: "chat.v2,chat",
  MAX_CONNECTIONS: String(MAX_CONNECTIONS),
  LOG_LEVEL: "info",
};

export function describeProduction(rt: RuntimeUnderTest): void {
  const caps = rt.capabilities;
  test("an invalid option stops the start-up with a message naming it and its range", async () => {
    const start = startServer(rt.script, { env: { MAX_MESSAGE_BYTES: "lots" }, readyTimeoutMs: rt.readyTimeoutMs });
    await expect(start).rejects.toThrow(/MAX_MESSAGE_BYTES must be an integer from 1 to 1073741824, got "lots"/);
  }, 120_000);

  if (caps.devProxy) {
    describe("production options (proven on the Miniflare leg; here wrangler dev's proxy is pinned)", () => {
      let server: ServerProcess;
      beforeAll(async () => {
        server = await startServer(rt.script, { env: PRODUCTION_ENV, readyTimeoutMs: rt.readyTimeoutMs });
      }, 120_000);
      afterAll(() => server?.stop(), 30_000);

      test("the proxy answers version 8 with 400 and passes a malformed key through", async () => {
        const old = await RawWebSocket.open(server.port, { headers: { "Sec-WebSocket-Version": "8" } });
        expect(old.head.status).toBe(400);
        old.socket.destroy();
        const badKey = await RawWebSocket.open(server.port, { headers: { "Sec-WebSocket-Key": "not-a-key" } });
        expect(badKey.head.status).toBe(101);
        badKey.socket.destroy();
      });

      test("the options reach the Worker through --var", async () => {
        const foreign = await RawWebSocket.open(server.port, { headers: { Origin: "http://evil.example" } });
        expect(foreign.head.status).toBe(403);
        foreign.socket.destroy();
        const client = await EchoClient.open(`ws://127.0.0.1:${server.port}/ws`);
        client.send(Buffer.alloc(MAX_MESSAGE + 1));
        expect((await within(10_000, "the close after an over-long message", client.closed)).code).toBe(1009);
      });
    });
    return;
  }

  describe("production options", () => {
    let server: ServerProcess;
    const ws = () => `ws://127.0.0.1:${server.port}/ws`;
    const open = (ms?: number) => RawWebSocket.open(server.port, { ms });
    const openConnections = async () =>
      ((await (await fetch(`${server.origin}/healthz`)).json()) as { connections: number }).connections;
    const idle = () =>
      until(10_000, "the server to count no open WebSocket", async () => (await openConnections()) === 0);

    beforeAll(async () => {
      server = await startServer(rt.script, { env: PRODUCTION_ENV, readyTimeoutMs: rt.readyTimeoutMs });
    }, 120_000);
    afterAll(() => server?.stop(), 30_000);
    // MAX_CONNECTIONS is small here: a socket a test destroyed frees its slot
    // only once the server has seen it go, so each test starts from none.
    beforeEach(() => idle(), 15_000);

    test(`keep-alive: pings ${caps.serverPings === "none" ? "never come (no ping API)" : "arrive"}`, async () => {
      const { socket } = await open();
      if (caps.serverPings === "none") {
        await expect(socket.nextFrame(5 * KEEP_ALIVE_MS, "a ping")).rejects.toThrow(/timed out/);
      } else {
        for (let i = 0; i < 3; i++) {
          const frame = await socket.nextFrame(10 * KEEP_ALIVE_MS, `ping #${i + 1}`);
          expect(frame.opcode).toBe(Opcode.ping);
          socket.send(encodeFrame(Opcode.pong, frame.payload));
        }
        // Answered pings keep the connection: it still echoes.
        socket.send(encodeFrame(Opcode.text, Buffer.from("alive")));
        let frame = await socket.nextFrame(5_000, "the echo after answering pings");
        while (frame.opcode === Opcode.ping) {
          socket.send(encodeFrame(Opcode.pong, frame.payload));
          frame = await socket.nextFrame(5_000, "the echo after answering pings");
        }
        expect(frame.payload.toString()).toBe("alive");
      }
      socket.destroy();
    });

    test(`keep-alive: a peer that never answers pings is ${caps.serverPings === "none" ? "kept (pinned)" : "dropped"}`, async () => {
      const { socket } = await open();
      if (caps.serverPings === "none") {
        await sleep(5 * KEEP_ALIVE_MS);
        socket.send(encodeFrame(Opcode.text, Buffer.from("still open")));
        expect((await socket.nextFrame(5_000, "the echo")).payload.toString()).toBe("still open");
        socket.destroy();
        return;
      }
      // Interval + timeout is 400 ms; allow for a loaded machine.
      await socket.ended(5_000, "the server to drop a peer that ignores pings");
    });

    test(`messages up to MAX_MESSAGE_BYTES echo; one byte more closes with 1009`, async () => {
      const client = await EchoClient.open(ws());
      client.send(Buffer.alloc(MAX_MESSAGE, 1));
      expect((await client.next(10_000, "the echo at the limit")).data.length).toBe(MAX_MESSAGE);
      client.send(Buffer.alloc(MAX_MESSAGE + 1, 2));
      const closed = await within(10_000, "the close after an over-long message", client.closed);
      expect(closed.code).toBe(1009);
    });

    test("allowed origins: foreign 403, listed 101, none 101", async () => {
      const foreign = await RawWebSocket.open(server.port, { headers: { Origin: "http://evil.example" } });
      expect(foreign.head.status).toBe(403);
      expect(foreign.head.headers["x-content-type-options"], "the 403's security headers").toBe("nosniff");
      foreign.socket.destroy();
      const listed = await RawWebSocket.open(server.port, { headers: { Origin: "http://allowed.example" } });
      expect(listed.head.status).toBe(101);
      listed.socket.destroy();
      const none = await open();
      expect(none.head.status).toBe(101);
      none.socket.destroy();
    });

    test("sub-protocols: the first the client offers that the server speaks; none when nothing matches", async () => {
      const cases: [string, string | undefined][] = [
        ["chat, chat.v2", "chat"],
        ["x, chat.v2", "chat.v2"],
        ["x, y", undefined],
      ];
      for (const [offered, chosen] of cases) {
        const { head, socket } = await RawWebSocket.open(server.port, {
          headers: { "Sec-WebSocket-Protocol": offered },
        });
        expect(head.status, offered).toBe(101);
        expect(head.headers["sec-websocket-protocol"], offered).toBe(chosen);
        socket.destroy();
      }
    });

    test(`handshake checks: version other than 13 gets ${caps.badVersionStatus}${caps.badVersionStatus === 426 ? " naming 13" : " (wrangler dev's proxy)"}; a bad key gets 400`, async () => {
      const old = await RawWebSocket.open(server.port, { headers: { "Sec-WebSocket-Version": "8" } });
      expect(old.head.status).toBe(caps.badVersionStatus);
      if (caps.badVersionStatus === 426) expect(old.head.headers["sec-websocket-version"]).toBe("13");
      old.socket.destroy();
      for (const key of ["", "not-a-key"]) {
        const bad = await RawWebSocket.open(server.port, { headers: { "Sec-WebSocket-Key": key } });
        expect(bad.head.status, JSON.stringify(key)).toBe(400);
        bad.socket.destroy();
      }
    });

    test(`past MAX_CONNECTIONS a handshake gets 503 with Retry-After; the others keep echoing`, async () => {
      await idle();
      const clients = [];
      for (let i = 0; i < MAX_CONNECTIONS; i++) clients.push(await EchoClient.open(ws()));
      await until(
        5_000,
        "the server to count every connection",
        async () => (await openConnections()) === MAX_CONNECTIONS,
      );
      const refused = await RawWebSocket.open(server.port);
      expect(refused.head.status).toBe(503);
      expect(refused.head.headers["retry-after"]).toBe("5");
      expect(refused.head.headers["x-content-type-options"], "the 503's security headers").toBe("nosniff");
      refused.socket.destroy();
      for (const [i, client] of clients.entries()) {
        client.send(`client ${i}`);
        expect((await client.next(5_000, `the echo for client ${i}`)).data.toString()).toBe(`client ${i}`);
      }
      await clients.pop()!.close(1000);
      await until(5_000, "a slot to free up", async () => (await openConnections()) < MAX_CONNECTIONS);
      const again = await EchoClient.open(ws());
      again.terminate();
      for (const client of clients) client.terminate();
    });

    test("one JSON log line at open and one at close, with the close code", async () => {
      const client = await EchoClient.open(ws());
      client.send("counted");
      await client.next(5_000, "the echo");
      await client.close(4001, "log me");
      await until(5_000, "the close log line", () => /"msg":"ws close"[^\n]*"code":4001/.test(server.output()));
      const line = server.output().split("\n").find((l) => l.includes('"code":4001'))!;
      const record = JSON.parse(line.slice(line.indexOf("{")));
      expect(record).toMatchObject({
        level: "info",
        msg: "ws close",
        code: 4001,
        messages: 1,
        textMessages: 1,
        bytes: 0,
      });
      expect(record.durationMs).toBeGreaterThanOrEqual(0);
      expect(server.output()).toMatch(/"msg":"ws open"/);
    });

    test(
      caps.gracefulShutdown
        ? "SIGTERM closes every open WebSocket with 1001 and exits 0"
        : "SIGTERM: workerd drains, open WebSockets keep echoing (pinned)",
      async () => {
        await idle();
        const clients = await Promise.all([1, 2, 3].map(() => EchoClient.open(ws())));
        server.signal("SIGTERM");
        if (!caps.gracefulShutdown) {
          // workerd drains on SIGTERM: open WebSockets stay up, the platform decides when they end.
          await sleep(1_000);
          clients[0]!.send("draining");
          expect((await clients[0]!.next(5_000, "an echo while workerd drains")).data.toString()).toBe("draining");
          for (const client of clients) client.terminate();
          return;
        }
        const closes = await within(10_000, "every client to be closed", Promise.all(clients.map((c) => c.closed)));
        const exit = await within(10_000, "the server to exit", server.exited);
        expect(closes.map((c) => c.code)).toEqual([1001, 1001, 1001]);
        expect(exit.code).toBe(0);
        await until(10_000, "no process left in the server's group", () => groupProcesses(server.pid).length === 0);
      },
      30_000,
    );
  });
}
