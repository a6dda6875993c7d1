/**
 * The abuse limits (issue 26) on servers started with small values: connections
 * per client (and who the client is behind a trusted proxy), the handshake
 * deadline, the message rate, the idle deadline, and start-up errors. Where a
 * runtime differs, the capability flag says how and the test pins it.
 */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { sleep, until, within } from "./harness/deadline.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

const PER_CLIENT = 5;
const HANDSHAKE_TIMEOUT_MS = 500;
const RATE = 50;
const IDLE_MS = 1_000;

/** A second loopback address for "another client" (Linux routes all of 127.0.0.0/8 to lo). */
const OTHER_ADDRESS = "127.0.0.2";
/** Documentation addresses (RFC 5737) standing for clients behind a proxy. */
const FORWARDED_A = "198.51.100.7";
const FORWARDED_B = "198.51.100.8";

interface Attempt {
  status: number;
  headers: Record<string, string>;
  socket: Socket;
}

/** A handshake from `localAddress` with extra headers; resolves with the answer's status and headers. */
async function handshake(
  port: number,
  { localAddress = "127.0.0.1", headers = {} }: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<Attempt> {
  const socket = connect({ port, host: "127.0.0.1", localAddress });
  socket.on("error", () => {});
  const lines = [
    "GET /ws HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
    "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.write(`${lines.join("\r\n")}\r\n\r\n`);
  let received = "";
  const head = await within(
    10_000,
    `the handshake answer for ${localAddress} ${JSON.stringify(headers)}`,
    new Promise<string>((resolve, reject) => {
      socket.on("data", (chunk) => {
        received += chunk.toString("latin1");
        if (received.includes("\r\n\r\n")) resolve(received.slice(0, received.indexOf("\r\n\r\n")));
      });
      socket.once("close", () => reject(new Error(`closed during the handshake: ${JSON.stringify(received)}`)));
    }),
  ).catch((error: unknown) => {
    socket.destroy();
    throw error;
  });
  const [statusLine = "", ...rest] = head.split("\r\n");
  const fields = Object.fromEntries(
    rest.map((
      line,
    ) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
  );
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]), headers: fields, socket };
}

export function describeLimits(rt: RuntimeUnderTest): void {
  const caps = rt.capabilities;

  describe("abuse limits", () => {
    test("a bad value of a limit variable stops the start-up, naming it", async () => {
      const bad = startServer(rt.script, {
        env: { TRUSTED_PROXIES: "proxy.internal" },
        readyTimeoutMs: rt.readyTimeoutMs,
      });
      await expect(bad).rejects.toThrow(/TRUSTED_PROXIES must list IP addresses or CIDR ranges.*"proxy\.internal"/);
      const negative = startServer(rt.script, {
        env: { MAX_MESSAGES_PER_SECOND: "-1" },
        readyTimeoutMs: rt.readyTimeoutMs,
      });
      await expect(negative).rejects.toThrow(/MAX_MESSAGES_PER_SECOND must be an integer from 0 to 1000000, got "-1"/);
    }, 240_000);

    describe(`connections per client (MAX_CONNECTIONS_PER_CLIENT=${PER_CLIENT}, TRUSTED_PROXIES=127.0.0.1), handshake deadline ${caps.handshakeDeadline}`, () => {
      let server: ServerProcess;
      const open: Socket[] = [];
      const openConnections = async () =>
        ((await (await fetch(`${server.origin}/healthz`)).json()) as { connections: number }).connections;

      beforeAll(async () => {
        server = await startServer(rt.script, {
          env: {
            MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
            TRUSTED_PROXIES: "127.0.0.1",
            HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS),
          },
          readyTimeoutMs: rt.readyTimeoutMs,
        });
      }, 120_000);
      afterAll(() => server?.stop(), 30_000);
      // Every test starts with no connection open: a destroyed socket frees its
      // count once the server has seen it go (wrangler dev's proxy passes that on late).
      beforeEach(async () => {
        for (const socket of open.splice(0)) socket.destroy();
        await until(20_000, "the server to count no open WebSocket", async () => (await openConnections()) === 0);
      }, 30_000);

      /** `count` accepted handshakes, kept open. */
      async function fill(count: number, options: Parameters<typeof handshake>[1]) {
        for (let i = 0; i < count; i++) {
          const attempt = await handshake(server.port, options);
          open.push(attempt.socket);
          expect(attempt.status, `handshake #${i + 1} from ${JSON.stringify(options)}`).toBe(101);
        }
      }

      test(`the ${PER_CLIENT + 1}th connection from one address gets 429 with Retry-After; another address connects`, async () => {
        await fill(PER_CLIENT, { localAddress: "127.0.0.1" });
        const refused = await handshake(server.port, { localAddress: "127.0.0.1" });
        open.push(refused.socket);
        expect(refused.status).toBe(429);
        expect(refused.headers["retry-after"]).toBe("5");
        const other = await handshake(server.port, { localAddress: OTHER_ADDRESS });
        open.push(other.socket);
        expect(other.status).toBe(101);
        // The same at once: handshakes are counted when accepted, not when the
        // connection opens (Deno opens it only after the 101 is sent).
        const burst = await Promise.all(
          Array.from({ length: 4 * PER_CLIENT }, () => handshake(server.port, { localAddress: "127.0.0.3" })),
        );
        open.push(...burst.map((attempt) => attempt.socket));
        expect(burst.filter((attempt) => attempt.status === 101), "accepted of a parallel burst").toHaveLength(
          PER_CLIENT,
        );
        expect(burst.filter((attempt) => attempt.status === 429)).toHaveLength(3 * PER_CLIENT);
        // The refused client is not cut off from echoing on the connections it has.
        const client = await EchoClient.open(`ws://127.0.0.1:${server.port}/ws`, { localAddress: OTHER_ADDRESS });
        client.send("still served");
        expect((await client.next(5_000, "the echo")).data.toString()).toBe("still served");
        client.terminate();
      });

      test("behind a trusted proxy the forwarded address is counted; a spoofed header from an untrusted peer is not", async () => {
        // 127.0.0.1 is the trusted proxy: its clients are told apart by X-Forwarded-For.
        await fill(PER_CLIENT, { localAddress: "127.0.0.1", headers: { "X-Forwarded-For": FORWARDED_A } });
        const refused = await handshake(server.port, { headers: { "X-Forwarded-For": `1.1.1.1, ${FORWARDED_A}` } });
        open.push(refused.socket);
        expect(refused.status, "the forwarded client at its limit, whatever it claims to the left").toBe(429);
        const otherClient = await handshake(server.port, { headers: { "X-Forwarded-For": FORWARDED_B } });
        open.push(otherClient.socket);
        expect(otherClient.status, "another client behind the same proxy").toBe(101);
        // 127.0.0.2 is not trusted: its X-Forwarded-For is ignored, so it is counted as
        // itself (FORWARDED_A is full, yet it connects) and changing the header does not
        // escape the limit.
        for (let i = 0; i < PER_CLIENT; i++) {
          const spoofed = await handshake(server.port, {
            localAddress: OTHER_ADDRESS,
            headers: { "X-Forwarded-For": i === 0 ? FORWARDED_A : `203.0.113.${i}` },
          });
          open.push(spoofed.socket);
          expect(spoofed.status, `spoofed handshake #${i + 1}`).toBe(101);
        }
        const sixth = await handshake(server.port, {
          localAddress: OTHER_ADDRESS,
          headers: { "X-Forwarded-For": "203.0.113.99" },
        });
        open.push(sixth.socket);
        expect(sixth.status).toBe(429);
      });

      test(
        caps.handshakeDeadline === "ours"
          ? `a handshake stalled mid-headers is closed within HANDSHAKE_TIMEOUT_MS (${HANDSHAKE_TIMEOUT_MS} ms)`
          : caps.handshakeDeadline === "fixed"
          ? "a handshake stalled mid-headers is closed by the runtime's own fixed deadline (8-12 s), not ours (pinned)"
          : "a handshake stalled mid-headers is kept open: the runtime has no deadline (pinned)",
        async () => {
          const socket = connect(server.port, "127.0.0.1");
          socket.on("error", () => {});
          const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
          await within(5_000, "the TCP connection", new Promise((resolve) => socket.once("connect", resolve)));
          const start = Date.now();
          socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\n`);
          // A header byte now and then, as a slowloris client sends them.
          const trickle = setInterval(() => socket.write("X"), 200);
          try {
            if (caps.handshakeDeadline === "ours") {
              const at = await within(5_000, "the server to close the stalled handshake", closed);
              console.log(`${rt.label}: stalled handshake closed after ${at - start} ms`);
              expect(at - start).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT_MS - 50);
            } else if (caps.handshakeDeadline === "fixed") {
              const at = await within(20_000, "the runtime to close the stalled handshake", closed);
              console.log(`${rt.label}: stalled handshake closed after ${at - start} ms`);
              expect(at - start).toBeGreaterThan(4 * HANDSHAKE_TIMEOUT_MS);
            } else {
              await sleep(10 * HANDSHAKE_TIMEOUT_MS);
              expect(socket.destroyed, "the stalled handshake is still open").toBe(false);
            }
          } finally {
            clearInterval(trickle);
            socket.destroy();
          }
        },
        30_000,
      );
    });

    describe(`message rate (MAX_MESSAGES_PER_SECOND=${RATE}) and idle deadline (IDLE_TIMEOUT_MS=${IDLE_MS})`, () => {
      let server: ServerProcess;
      const ws = () => `ws://127.0.0.1:${server.port}/ws`;
      beforeAll(async () => {
        server = await startServer(rt.script, {
          env: { MAX_MESSAGES_PER_SECOND: String(RATE), IDLE_TIMEOUT_MS: String(IDLE_MS) },
          readyTimeoutMs: rt.readyTimeoutMs,
        });
      }, 120_000);
      afterAll(() => server?.stop(), 30_000);

      test(
        `a flood gets ${
          caps.rateLimitClose === "1008"
            ? "1008 naming the limit"
            : "1008 or a reset (pinned), the log naming the limit"
        }; a polite client on the same server keeps echoing in order`,
        async () => {
          const polite = await EchoClient.open(ws());
          const flood = await EchoClient.open(ws());
          const politeEchoes = (async () => {
            for (let i = 0; i < 20; i++) {
              polite.send(`polite ${i}`);
              const echo = await polite.next(5_000, `the polite client's echo #${i}`);
              expect(echo.data.toString()).toBe(`polite ${i}`);
              await sleep(1000 / (RATE / 5)); // a fifth of the rate
            }
          })();
          for (let i = 0; i < 10 * RATE; i++) flood.send(`flood ${i}`);
          const closed = await within(10_000, "the server to close the flooding connection", flood.closed);
          let echoed = 0;
          while (true) {
            const next = await flood.next(100, "another echo of the flood").catch(() => undefined);
            if (!next) break;
            expect(next.data.toString(), "the flood's echoes, in order").toBe(`flood ${echoed}`);
            echoed++;
          }
          console.log(`${rt.label}: flood closed ${closed.code} "${closed.reason}" after ${echoed} echoes`);
          const reason = `message rate over MAX_MESSAGES_PER_SECOND (${RATE}/s)`;
          if (caps.rateLimitClose === "1008-or-reset" && closed.code === 1006) {
            await until(5_000, "the server's rate-limit log line", () => server.output().includes(reason));
          } else {
            expect(closed).toEqual({ code: 1008, reason });
            // The burst, and what refilled while the flood was read.
            expect(echoed).toBeGreaterThanOrEqual(RATE);
          }
          expect(echoed).toBeLessThanOrEqual(2 * RATE);
          await politeEchoes;
          polite.terminate();
        },
        30_000,
      );

      test(
        `a connection without a message for IDLE_TIMEOUT_MS is closed with 1001; one that talks stays open`,
        async () => {
          const quiet = await EchoClient.open(ws());
          const opened = Date.now();
          const talking = await EchoClient.open(ws());
          const talk = (async () => {
            for (let i = 0; i < 8; i++) {
              await sleep(IDLE_MS / 3);
              talking.send(`still here ${i}`);
              expect((await talking.next(5_000, `echo ${i}`)).data.toString()).toBe(`still here ${i}`);
            }
          })();
          const closed = await within(5 * IDLE_MS, "the idle close", quiet.closed);
          const after = Date.now() - opened;
          console.log(`${rt.label}: idle connection closed after ${after} ms`);
          expect(closed).toEqual({ code: 1001, reason: `no message for ${IDLE_MS} ms (IDLE_TIMEOUT_MS)` });
          expect(after).toBeGreaterThanOrEqual(IDLE_MS - 50);
          await talk;
          expect(talking.socket.readyState).toBe(1);
          talking.terminate();
        },
        30_000,
      );
    });
  });
}
