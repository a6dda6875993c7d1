/**
 * The behaviour every runtime must show, run against each as a real process
 * started through its npm script on a free port. Each runtime's test file is
 * one call to `describeRuntime`.
 */
import { readFileSync } from "node:fs";
import { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { closePayload, encodeFrame, FrameReader, Opcode } from "./harness/frames.ts";
import { sleep, until, within } from "./harness/deadline.ts";
import { serverProcess } from "./harness/proc.ts";
import { get, rawRequest, RawWebSocket } from "./harness/raw.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import { describeCores } from "./cores.ts";
import { describeCompression } from "./compression.ts";
import { describeMessageShapes } from "./message-shapes.ts";
import { describeLimits } from "./limits.ts";
import { describeLogs } from "./logs.ts";
import { describeMetrics } from "./metrics.ts";
import { describeClusterMetrics } from "./metrics-cluster.ts";
import { describeMount } from "./mount.ts";
import { describeProduction } from "./production.ts";
import { missing, type RuntimeUnderTest } from "./runtimes.ts";
import { describeOn } from "./harness/describe-on.ts";
import { pattern, text } from "./harness/payloads.ts";
import { describeTls } from "./tls.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * Flow control: what a non-reading client may push at most, and the server RSS
 * growth allowed meanwhile: the 1 MiB high-water mark, one 16 KiB message, the
 * runtime's read buffers and allocator slack (README "Limits").
 */
const PUSH_LIMIT = 128 * MiB;
const RSS_BOUND = 32 * MiB;
/** RFC 6455 length encodings change at 126 and 65536 bytes; 16 MiB is the promised maximum. */
const BOUNDARY_SIZES = [0, 125, 126, 127, 65535, 65536, MiB, 16 * MiB];

export function describeRuntime(rt: RuntimeUnderTest): void {
  const flags = Object.entries(rt.capabilities)
    .map(([name, value]) =>
      typeof value === "boolean"
        ? `${value ? "+" : "-"}${name}`
        : `${name}=${typeof value === "object" ? JSON.stringify(value).replaceAll('"', "") : value}`
    )
    .join(" ");
  describeOn(`${rt.label} [${flags}]`, missing(rt), () => {
    let server: ServerProcess;
    const ws = () => `ws://127.0.0.1:${server.port}/ws`;
    const clients: EchoClient[] = [];
    const open = async (...args: Parameters<typeof EchoClient.open> extends [string, ...infer R] ? R : never) => {
      const client = await EchoClient.open(ws(), ...args);
      clients.push(client);
      return client;
    };

    beforeAll(async () => {
      server = await startServer(rt.script, { readyTimeoutMs: rt.readyTimeoutMs });
    }, 120_000);

    afterAll(async () => {
      for (const client of clients) client.terminate();
      await server?.stop();
    }, 30_000);

    describe("echo", () => {
      for (const size of BOUNDARY_SIZES) {
        test(`binary, ${size} bytes, comes back binary and byte-identical`, async () => {
          const client = await open();
          const payload = pattern(size, size % 251);
          client.send(payload);
          const echo = await client.next(30_000, `the echo of ${size} binary bytes`);
          expect(echo.binary).toBe(true);
          expect(echo.data.length).toBe(size);
          expect(echo.data.equals(payload)).toBe(true);
          client.terminate();
        }, 60_000);

        test(`text, ${size} bytes of UTF-8, comes back text and identical`, async () => {
          const client = await open();
          const payload = text(size, size);
          client.send(payload);
          const echo = await client.next(30_000, `the echo of ${size} text bytes`);
          expect(echo.binary).toBe(false);
          expect(echo.data.length).toBe(size);
          expect(echo.data.toString("utf8") === payload).toBe(true);
          client.terminate();
        }, 60_000);
      }

      test("interleaved text and binary keep their order and types", async () => {
        const client = await open();
        const sent = Array.from({ length: 200 }, (_, i) => (i % 2 ? pattern(i * 37, i) : `message ${i} ${text(i, i)}`));
        for (const message of sent) client.send(message);
        for (const [i, message] of sent.entries()) {
          const echo = await client.next(10_000, `echo #${i} of ${sent.length}`);
          expect(echo.binary, `type of echo #${i}`).toBe(typeof message !== "string");
          expect(Buffer.from(message).equals(echo.data), `bytes of echo #${i}`).toBe(true);
        }
        client.terminate();
      });

      test("1,000 pipelined messages come back in order", async () => {
        const client = await open();
        const count = 1000;
        for (let i = 0; i < count; i++) client.send(i % 3 === 0 ? pattern(8, i) : `#${i}`);
        for (let i = 0; i < count; i++) {
          const echo = await client.next(10_000, `echo #${i} of ${count} pipelined messages`);
          const expected = i % 3 === 0 ? pattern(8, i) : Buffer.from(`#${i}`);
          expect(echo.data.equals(expected), `echo #${i}`).toBe(true);
          expect(echo.binary).toBe(i % 3 === 0);
        }
        client.terminate();
      });
    });

    describeMessageShapes(rt, () => server.port);

    describe("close", () => {
      for (const code of [1000, 1001, 3000, 4000]) {
        test(`the client's close code ${code} and reason come back`, async () => {
          const client = await open();
          const reason = `bye ${code} ✓`;
          client.send("before close");
          await client.next(10_000, "the echo before closing");
          expect(await client.close(code, reason)).toEqual({ code, reason });
        });
      }

      test("a close frame without a code is answered with an empty close frame or 1000, never 1005", async () => {
        const { head, socket } = await RawWebSocket.open(server.port);
        expect(head.status).toBe(101);
        socket.send(encodeFrame(Opcode.close));
        const frame = await socket.nextFrame(10_000, "the server's close frame");
        expect(frame.opcode).toBe(Opcode.close);
        expect(frame.payload.length === 0 || frame.payload.readUInt16BE(0) === 1000).toBe(true);
        socket.destroy();
      });
    });

    describe("handshake", () => {
      test("Upgrade and Connection tokens match case-insensitively", async () => {
        const { head, socket } = await RawWebSocket.open(server.port, {
          headers: { Upgrade: "WebSocket", Connection: "keep-alive, Upgrade" },
        });
        expect(head.status).toBe(101);
        socket.send(encodeFrame(Opcode.text, Buffer.from("mixed case")));
        const frame = await socket.nextFrame(10_000, "the echo on a mixed-case handshake");
        expect(frame.opcode).toBe(Opcode.text);
        expect(frame.payload.toString()).toBe("mixed case");
        socket.send(encodeFrame(Opcode.close, closePayload(1000)));
        socket.destroy();
      });

      test(`a permessage-deflate offer is ${rt.capabilities.deflate ? "accepted (by Miniflare's entry worker)" : "declined"}`, async () => {
        const { head, socket } = await RawWebSocket.open(server.port, {
          headers: { "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits" },
        });
        expect(head.status).toBe(101);
        expect(head.headers["sec-websocket-extensions"]?.startsWith("permessage-deflate")).toBe(
          rt.capabilities.deflate || undefined,
        );
        socket.destroy();
      });

      for (const method of ["GET", "POST", "HEAD"]) {
        test(`${method} /ws without an upgrade gets 426 with Upgrade: websocket`, async () => {
          const response = await fetch(`${server.origin}/ws`, { method });
          await response.body?.cancel();
          expect(response.status).toBe(426);
          expect(response.headers.get("upgrade")).toBe(rt.capabilities.upgradeHeaderOn426 ? "websocket" : null);
        });
      }

      for (const method of ["POST", "TRACE"] as const) {
        const status = rt.capabilities.nonGetHandshakeStatus[method];
        test(`a handshake with ${method} gets ${status} (405 where our app sees it)`, async () => {
          const response = await rawRequest(
            server.port,
            get("/ws", {
              Upgrade: "websocket",
              Connection: "Upgrade",
              "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
              "Sec-WebSocket-Version": "13",
              ...(method === "POST" ? { "Content-Length": "0" } : {}),
            }, method).replace("Connection: close\r\n", ""),
          );
          expect(response.status).toBe(status);
          // The server goes on serving: the bad request hurt no one else.
          const client = await open();
          client.send("still here");
          expect((await client.next(10_000, `an echo after the ${method} handshake`)).data.toString()).toBe(
            "still here",
          );
          client.terminate();
        });
      }

      test(`a malformed Host gets ${rt.capabilities.malformedHostStatus}, on /ws and elsewhere`, async () => {
        const handshake = {
          Upgrade: "websocket",
          Connection: "Upgrade",
          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
          "Sec-WebSocket-Version": "13",
        };
        for (const [path, headers] of [["/ws", handshake], ["/healthz", {}]] as const) {
          const request = get(path, headers).replace("Host: 127.0.0.1\r\n", "Host: a b\r\n");
          expect((await rawRequest(server.port, request)).status, path).toBe(rt.capabilities.malformedHostStatus);
        }
        const client = await open();
        client.send("still here");
        expect((await client.next(10_000, "an echo after the malformed Host")).data.toString()).toBe("still here");
        client.terminate();
      });
    });

    describe("http", () => {
      test("unknown paths get 404", async () => {
        for (const path of ["/nope", "/ws/extra", "/healthz/x"]) {
          const response = await fetch(`${server.origin}${path}`);
          await response.body?.cancel();
          expect(response.status, path).toBe(404);
        }
      });

      test("GET / serves public/index.html as HTML", async () => {
        const response = await fetch(`${server.origin}/`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^text\/html/);
        expect(await response.text()).toBe(readFileSync("public/index.html", "utf8"));
      });

      for (
        const path of [
          "/../package.json",
          "/%2e%2e/package.json",
          "/..%2fpackage.json",
          "/%2e%2e%2fpackage.json",
          "/..%5cpackage.json",
          "/%2e%2e%5cpackage.json",
          "/x/../../package.json",
          "//../package.json",
        ]
      ) {
        test(`path traversal ${path} stays inside public/`, async () => {
          const response = await rawRequest(server.port, get(path));
          expect(response.body).not.toContain('"devDependencies"');
          expect([400, 404]).toContain(response.status);
        });
      }

      test("GET /healthz says the service is up and which runtime answers", async () => {
        const response = await fetch(`${server.origin}/healthz`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        expect(await response.json()).toEqual({
          status: "ok",
          runtime: rt.runtime,
          connections: expect.any(Number),
          // The answering process, alone with the default WORKERS=1 (test/cores.ts).
          ...(rt.capabilities.workerProcesses && { pid: expect.any(Number), workers: 1, maxConnections: 20_000 }),
        });
      });
    });

    describe("security headers", () => {
      const secured = (headers: Record<string, string> | Headers, what: string) => {
        const get = (name: string) => headers instanceof Headers ? headers.get(name) : headers[name];
        expect(get("content-security-policy"), what).toContain("default-src 'none'");
        expect(get("x-content-type-options"), what).toBe("nosniff");
      };

      test("every answer carries Content-Security-Policy and X-Content-Type-Options, 2xx to 4xx", async () => {
        for (const [path, status] of [["/", 200], ["/healthz", 200], ["/nope", 404], ["/ws", 426]] as const) {
          const response = await fetch(`${server.origin}${path}`);
          await response.body?.cancel();
          expect(response.status, path).toBe(status);
          secured(response.headers, `${status} on ${path}`);
        }
        // wrangler dev's proxy makes its own handshake: a bad key gets 101 there (devProxy).
        if (rt.capabilities.devProxy) return;
        const refused = await RawWebSocket.open(server.port, { headers: { "Sec-WebSocket-Key": "not-a-key" } });
        refused.socket.destroy();
        expect(refused.head.status).toBe(400);
        secured(refused.head.headers, "400 for a bad key");
      });

      test(`the 101 ${rt.capabilities.securityHeadersOn101 ? "carries them too" : "goes out without them (pinned)"}`, async () => {
        const { head, socket } = await RawWebSocket.open(server.port);
        socket.destroy();
        expect(head.status).toBe(101);
        if (rt.capabilities.securityHeadersOn101) secured(head.headers, "the 101");
        else expect(head.headers["content-security-policy"]).toBeUndefined();
      });
    });

    describe("flow control (default options)", () => {
      test(
        `flow control: a client that never reads is ${
          rt.capabilities.flowControl === "pause"
            ? "paused"
            : rt.capabilities.flowControl === "close"
            ? "closed with 1008"
            : "not limited (pinned)"
        }, nothing lost`,
        async () => {
          // A raw TCP client, to stop reading at will.
          const tcp = new Socket();
          let ended = false;
          tcp.on("error", () => (ended = true)); // a reset is an outcome checked below
          tcp.on("close", () => (ended = true));
          await within(
            5_000,
            "the TCP connection",
            new Promise<void>((resolve) => tcp.connect(server.port, "127.0.0.1", resolve)),
          );
          const key = "dGhlIHNhbXBsZSBub25jZQ==";
          tcp.write(
            `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
          );
          const reader = new FrameReader();
          const frames: { opcode: number; payload: Buffer }[] = [];
          let head = Buffer.alloc(0);
          let upgraded = false;
          tcp.on("data", (chunk: Buffer) => {
            if (!upgraded) {
              head = Buffer.concat([head, chunk]);
              const end = head.indexOf("\r\n\r\n");
              if (end < 0) return;
              upgraded = true;
              chunk = head.subarray(end + 4);
            }
            frames.push(...reader.push(chunk));
          });
          await until(5_000, "the 101 answer", () => upgraded);
          tcp.pause(); // from here on the client reads nothing

          const target = serverProcess(server.pid);
          const before = target.rssBytes;
          const message = 16 * 1024;
          const frame = (i: number) => {
            const payload = Buffer.alloc(message, i & 0xff);
            payload.writeUInt32BE(i, 0);
            return encodeFrame(Opcode.binary, payload);
          };
          // Send until TCP pushes back (the server stopped reading) or 128 MiB went out:
          // a server that kept reading would hold far more than the bound checked below.
          let sent = 0;
          const deadline = Date.now() + 15_000;
          while (sent * message < PUSH_LIMIT && Date.now() < deadline && !tcp.destroyed) {
            if (!tcp.write(frame(sent++))) {
              const drained = await Promise.race([
                new Promise<boolean>((resolve) => tcp.once("drain", () => resolve(true))),
                sleep(1_000).then(() => false),
              ]);
              if (!drained) break;
            }
          }
          await sleep(500);
          const growth = serverProcess(server.pid).rssBytes - before;

          tcp.resume();
          const closedCodes = () =>
            frames.filter((f) => f.opcode === Opcode.close).map((f) => f.payload.readUInt16BE(0));
          if (rt.capabilities.flowControl === "pause") {
            // Paused, not closed: every message sent comes back, in order.
            expect(sent * message, "bytes the client pushed before TCP pushed back").toBeLessThan(PUSH_LIMIT);
            await until(30_000, `all ${sent} echoes`, () => frames.length >= sent, 20);
            frames.slice(0, sent).forEach((f, i) => expect(f.payload.readUInt32BE(0), `echo #${i}`).toBe(i));
            expect(closedCodes()).toEqual([]);
          } else {
            await until(
              30_000,
              "the close frame, the end of the connection, or all echoes",
              () => closedCodes().length > 0 || ended || frames.length >= sent,
              20,
            );
            const data = frames.filter((f) => f.opcode !== Opcode.close);
            // Whatever came back is a gap-free prefix of what was sent.
            data.forEach((f, i) => expect(f.payload.readUInt32BE(0), `echo #${i}`).toBe(i));
            if (rt.capabilities.flowControl === "close") {
              // The server closes with 1008. The client is still sending, so closing the
              // socket with unread data in it makes the kernel reset the connection: the
              // client may see the reset (an error, never silence) before the close frame.
              expect(closedCodes().length > 0 || ended, "the connection ended").toBe(true);
              if (closedCodes().length > 0) expect(closedCodes()).toEqual([1008]);
            } else expect(data.length).toBe(sent);
          }
          // The documented bound: 1 MiB high-water mark, one message, the runtime's own buffers.
          if (rt.capabilities.flowControl !== "none") {
            console.log(
              `${rt.label}: server RSS grew ${(growth / MiB).toFixed(1)} MiB; the client pushed ${sent} × 16 KiB`,
            );
            expect(growth, "server RSS growth").toBeLessThan(RSS_BOUND);
          }
          tcp.destroy();
        },
        90_000,
      );
    });

    describeProduction(rt);
    describeMount(rt);
    describeMetrics(rt);
    describeLimits(rt);
    describeTls(rt);
    describeCores(rt);
    describeClusterMetrics(rt);
    describeLogs(rt);
    describeCompression(rt);
  });
}
