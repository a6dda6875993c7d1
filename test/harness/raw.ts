import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { within } from "./deadline.ts";
import { type Frame, FrameReader } from "./frames.ts";

export interface HttpHead {
  status: number;
  headers: Record<string, string>;
}

export interface RawResponse extends HttpHead {
  body: string;
}

/**
 * Sends one hand-written HTTP/1.1 request and reads the answer until the server
 * closes or, when it keeps the connection, until the body its Content-Length
 * announces is in. For requests `fetch` would normalise (`/../x`, odd header casing).
 */
export async function rawRequest(port: number, request: string, ms = 10_000): Promise<RawResponse> {
  const socket = connect(port, "127.0.0.1");
  const chunks: Buffer[] = [];
  socket.on("data", (chunk) => chunks.push(chunk));
  socket.write(request);
  try {
    await within(
      ms,
      `the answer to ${JSON.stringify(request.split("\r\n")[0])}`,
      new Promise((resolve, reject) => {
        socket.once("end", resolve);
        socket.once("close", resolve);
        socket.once("error", reject);
        socket.on("data", () => {
          if (complete(Buffer.concat(chunks).toString("latin1"))) resolve(undefined);
        });
      }),
    );
  } finally {
    socket.destroy();
  }
  const text = Buffer.concat(chunks).toString("latin1");
  const split = text.indexOf("\r\n\r\n");
  if (split < 0) throw new Error(`no complete HTTP head in ${JSON.stringify(text.slice(0, 200))}`);
  return { ...parseHead(text.slice(0, split)), body: text.slice(split + 4) };
}

function complete(text: string): boolean {
  const split = text.indexOf("\r\n\r\n");
  if (split < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, split))?.[1];
  return length !== undefined && text.length - split - 4 >= Number(length);
}

/** A GET with `Connection: close`, so rawRequest sees the end of the answer. */
export function get(path: string, headers: Record<string, string> = {}, method = "GET"): string {
  const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

function parseHead(head: string): HttpHead {
  const [statusLine = "", ...lines] = head.split("\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
  if (!status) throw new Error(`not an HTTP status line: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers };
}

/**
 * A WebSocket client at the frame level: the handshake headers are exactly the
 * ones given, and frames are whatever the test encodes.
 */
export class RawWebSocket {
  readonly #socket: Socket;
  readonly #reader = new FrameReader();
  readonly #frames: Frame[] = [];
  #wake: (() => void) | undefined;
  #ended = false;

  private constructor(socket: Socket, rest: Buffer) {
    this.#socket = socket;
    socket.on("data", (chunk) => this.#push(chunk));
    socket.on("close", () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on("error", () => {});
    if (rest.length) this.#push(rest);
  }

  /** Opens a TCP connection and sends a handshake; resolves with the answer's head. */
  static async open(
    port: number,
    { path = "/ws", headers = {}, ms = 10_000 }: { path?: string; headers?: Record<string, string>; ms?: number } = {},
  ): Promise<{ head: HttpHead; socket: RawWebSocket }> {
    const socket = connect(port, "127.0.0.1");
    const all: Record<string, string> = {
      Host: `127.0.0.1:${port}`,
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
      "Sec-WebSocket-Version": "13",
      ...headers,
    };
    const lines = [`GET ${path} HTTP/1.1`, ...Object.entries(all).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    let received = Buffer.alloc(0);
    const head = await within(
      ms,
      `the handshake answer from ${path}`,
      new Promise<Buffer>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          received = Buffer.concat([received, chunk]);
          if (received.includes("\r\n\r\n")) {
            socket.off("data", onData);
            resolve(received);
          }
        };
        socket.on("data", onData);
        socket.once("error", reject);
        socket.once("close", () => reject(new Error(`connection closed during the handshake: ${received}`)));
      }),
    ).catch((error: unknown) => {
      socket.destroy();
      throw error;
    });
    const split = head.indexOf("\r\n\r\n");
    return {
      head: parseHead(head.subarray(0, split).toString("latin1")),
      socket: new RawWebSocket(socket, head.subarray(split + 4)),
    };
  }

  send(bytes: Uint8Array): void {
    this.#socket.write(bytes);
  }

  /** The next frame from the server, or an error if none comes in `ms`. */
  nextFrame(ms: number, what = "a frame from the server"): Promise<Frame> {
    return within(
      ms,
      what,
      (async () => {
        while (this.#frames.length === 0) {
          if (this.#ended) throw new Error(`the server closed the TCP connection before ${what}`);
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
        return this.#frames.shift()!;
      })(),
    );
  }

  /** Resolves once the server has closed the TCP connection. */
  async ended(ms: number, what = "the server to close the TCP connection"): Promise<void> {
    await within(
      ms,
      what,
      (async () => {
        while (!this.#ended) await new Promise<void>((resolve) => (this.#wake = resolve));
      })(),
    );
  }

  /** Whether the server has closed the TCP connection (or it was reset). */
  get isEnded(): boolean {
    return this.#ended;
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /** Drops the connection with a TCP RST instead of a FIN, as a crashed peer would. */
  reset(): void {
    this.#socket.resetAndDestroy();
  }

  #push(chunk: Buffer): void {
    this.#frames.push(...this.#reader.push(chunk));
    this.#wake?.();
  }
}
