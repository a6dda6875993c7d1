// The bench's load client must fail a run on any wrong echo, never count it.
// Here it drives a tiny in-process echo that can misbehave on purpose.
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { afterEach, describe, expect, test } from "vitest";
import { LoadClient, type LoadSpec } from "../bench/load.ts";
import { buildRing } from "../bench/frames.ts";
import { EchoVerifier } from "../bench/verifier.ts";
import { sleep } from "./harness/deadline.ts";

type Fault = "none" | "corrupt" | "reorder" | "drop" | "type" | "truncate" | "corrupt-deflated";

/**
 * permessage-deflate in the test's echo: `accept` answers an offer with no
 * context takeover either way, inflates compressed messages and deflates every
 * echo; `decline` answers without the extension; absent, no offer is expected.
 */
type Deflate = "accept" | "decline";

/** Which echo the fault hits: well after the first, so some good echoes come first. */
const FAULT_AT = 500;

/** A minimal echo server written for this test alone (independent of the client's parser). */
function startEcho(fault: Fault, deflate?: Deflate): Promise<{ server: Server; port: number }> {
  let count = 0;
  const server = createServer((socket: Socket) => {
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    let held: Buffer | undefined;
    let compress = false;
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head)![1];
        const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        compress = deflate === "accept" && /sec-websocket-extensions:\s*permessage-deflate/i.test(head);
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Accept: ${accept}\r\n` +
            (compress
              ? "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n"
              : "") +
            "\r\n",
        );
        buffer = buffer.subarray(end + 4);
        upgraded = true;
      }
      const out: Buffer[] = [];
      while (buffer.length >= 2) {
        let length = buffer[1]! & 0x7f;
        let at = 2;
        if (length === 126) (length = buffer.readUInt16BE(2)), (at = 4);
        else if (length === 127) (length = Number(buffer.readBigUInt64BE(2))), (at = 10);
        if (buffer.length < at + 4 + length) break;
        const mask = buffer.subarray(at, at + 4);
        let payload = Buffer.from(buffer.subarray(at + 4, at + 4 + length));
        for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!;
        const tail = Buffer.from([0, 0, 0xff, 0xff]);
        if (buffer[0]! & 0x40) {
          payload = inflateRawSync(Buffer.concat([payload, tail]), { finishFlush: constants.Z_SYNC_FLUSH });
        }
        let opcode = buffer[0]! & 0x0f;
        buffer = buffer.subarray(at + 4 + length);
        if (opcode >= 8) continue; // close: the test's client closes last, nothing to echo
        const n = ++count;
        if (n === FAULT_AT && fault === "drop") continue;
        if (n === FAULT_AT && fault === "corrupt") payload[payload.length - 1]! ^= 0x01;
        if (n === FAULT_AT && fault === "type") opcode = opcode === 1 ? 2 : 1;
        let sent = n === FAULT_AT && fault === "truncate" ? payload.subarray(0, payload.length - 1) : payload;
        if (compress) {
          const out = deflateRawSync(sent, { finishFlush: constants.Z_SYNC_FLUSH });
          sent = Buffer.from(out.subarray(0, out.length - 4));
          if (n === FAULT_AT && fault === "corrupt-deflated") sent[sent.length >> 1]! ^= 0x10;
        }
        const frame = Buffer.concat([Buffer.from([0x80 | (compress ? 0x40 : 0) | opcode, sent.length]), sent]);
        if (n === FAULT_AT && fault === "reorder") {
          held = frame;
          continue;
        }
        out.push(frame);
        if (held) out.push(held), (held = undefined);
      }
      if (out.length) socket.write(Buffer.concat(out));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

const SPEC: LoadSpec = { connections: 1, payloadBytes: 64, window: 16, pacing: "window", ringSize: 64 };

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** The compressed modes' client: JSON-like text, permessage-deflate offered (bench/compression.ts). */
const DEFLATE_SPEC: LoadSpec = { ...SPEC, payload: "json", deflate: "require" };

/** Runs the client against the echo for up to `ms`; resolves with the error it reported, if any. */
async function drive(
  fault: Fault,
  ms: number,
  { spec = SPEC, deflate }: { spec?: LoadSpec; deflate?: Deflate } = {},
): Promise<{ error: Error | undefined; received: number; client: LoadClient }> {
  const { server, port } = await startEcho(fault, deflate);
  const client = new LoadClient("127.0.0.1", port, spec);
  cleanup = () => {
    client.destroy();
    server.close();
  };
  const opened = await client.open().then(() => undefined, (e: Error) => e);
  if (opened) return { error: opened, received: 0, client };
  client.start();
  const end = Date.now() + ms;
  while (!client.error && Date.now() < end) await sleep(20);
  const error = client.error ?? (await client.stop(2_000).then(() => undefined, (e: Error) => e));
  return { error, received: client.received, client };
}

describe("bench load client", () => {
  test("a correct echo passes, every message verified", async () => {
    const { error, received } = await drive("none", 400);
    expect(error).toBeUndefined();
    expect(received).toBeGreaterThan(FAULT_AT);
  });

  test.each(
    [
      ["corrupt", /corrupted echo/],
      // Neighbouring messages differ in type and in their slot number: either check catches a shift.
      ["reorder", /wrong type|corrupted echo/],
      ["drop", /wrong type|corrupted echo/],
      ["type", /wrong type/],
      ["truncate", /wrong length/],
    ] as const,
  )("a %s echo fails the run", async (fault, message) => {
    const { error } = await drive(fault, 1_000);
    expect(error?.name).toBe("EchoError");
    expect(error?.message).toMatch(message);
  });

  test("with permessage-deflate, compressed echoes pass, every one inflated or matched to one verified", async () => {
    const { error, received, client } = await drive("none", 400, { spec: DEFLATE_SPEC, deflate: "accept" });
    expect(error).toBeUndefined();
    expect(received).toBeGreaterThan(FAULT_AT);
    expect(client.compressedConnections).toBe(1);
    expect(client.connections[0]!.verifier.compressedEchoes).toBe(received);
    // The ring's 64 distinct messages: each inflated once, the rest matched byte for byte.
    expect(client.compressedEchoes!.inflated).toBe(SPEC.ringSize);
  });

  test.each(
    [
      // Valid deflate of data that differs from what was sent.
      ["corrupt", /corrupted echo: inflated/],
      // A flipped bit in the compressed bytes: they no longer inflate, or inflate to something else.
      ["corrupt-deflated", /corrupted echo|wrong length/],
    ] as const,
  )("with permessage-deflate, a %s echo fails the run", async (fault, message) => {
    const { error } = await drive(fault, 1_000, { spec: DEFLATE_SPEC, deflate: "accept" });
    expect(error?.name).toBe("EchoError");
    expect(error?.message).toMatch(message);
  });

  test("a server that declines permessage-deflate fails a compressed run at the handshake", async () => {
    const { error } = await drive("none", 400, { spec: DEFLATE_SPEC, deflate: "decline" });
    expect(error?.message).toMatch(/declined permessage-deflate/);
  });

  test("only offered (ours with COMPRESSION=off), a declined extension means plain frames, verified", async () => {
    const spec: LoadSpec = { ...DEFLATE_SPEC, deflate: "offer" };
    const { error, received, client } = await drive("none", 400, { spec, deflate: "decline" });
    expect(error).toBeUndefined();
    expect(received).toBeGreaterThan(FAULT_AT);
    expect(client.compressedConnections).toBe(0);
  });

  test("a connection set loaded again records only the new slice's latencies", async () => {
    // The bench switches one set of connections on and off (bench/run.ts): a
    // message sent before recording began must not carry a time from an older slice.
    const { server, port } = await startEcho("none");
    const client = new LoadClient("127.0.0.1", port, SPEC);
    cleanup = () => {
      client.destroy();
      server.close();
    };
    await client.open();
    const slice = async (warmupMs: number) => {
      client.start();
      await sleep(warmupMs);
      client.mark(true);
      await sleep(100);
      client.mark(false);
      await client.stop(2_000);
    };
    await slice(0);
    const gapMs = 400;
    await sleep(gapMs);
    await slice(50);
    expect(client.latency.count).toBeGreaterThan(0);
    expect(client.latency.maxUs).toBeLessThan(gapMs * 1000);
  });

  test("a lost last echo is an error when the run stops, not a lower count", () => {
    const ring = buildRing(4, 8);
    const verifier = new EchoVerifier(ring);
    verifier.sent = 2;
    const echo = (i: number) => Buffer.concat([Buffer.from([0x80 | ring.opcodes[i]!, 8]), ring.payloads[i]!]);
    expect(verifier.push(echo(0))).toBe(1);
    expect(verifier.sent - verifier.received).toBe(1); // LoadClient.stop() throws on this (see bench/load.ts)
    expect(() => verifier.push(Buffer.concat([echo(1), echo(2)]))).toThrow(/never sent/);
  });

  test("an echo split across reads, and fragmented, is verified in place", () => {
    const ring = buildRing(2, 300);
    const verifier = new EchoVerifier(ring);
    verifier.sent = 1;
    const p = ring.payloads[0]!;
    const frag = (opcode: number, fin: boolean, part: Buffer) =>
      Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 126, part.length >> 8, part.length & 0xff]), part]);
    const wire = Buffer.concat([frag(ring.opcodes[0]!, false, p.subarray(0, 100)), frag(0, true, p.subarray(100))]);
    let done = 0;
    for (let i = 0; i < wire.length; i += 7) done += verifier.push(wire.subarray(i, i + 7));
    expect(done).toBe(1);
  });
});
