import WebSocket, { type ClientOptions } from "ws";
import { within } from "./deadline.ts";

export interface Received {
  data: Buffer;
  binary: boolean;
}

/**
 * A conforming WebSocket client (the `ws` package) with awaitable,
 * deadline-bound reads of what the server sends.
 */
export class EchoClient {
  readonly socket: WebSocket;
  readonly #queue: Received[] = [];
  #wake: (() => void) | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data, binary) => {
      this.#queue.push({ data: data as Buffer, binary });
      this.#wake?.();
    });
    this.closed = new Promise((resolve) => {
      socket.once("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#wake?.();
      });
    });
  }

  static async open(url: string, options: ClientOptions & { protocols?: string[] } = {}, ms = 10_000) {
    const socket = new WebSocket(url, options.protocols, { maxPayload: 64 * 1024 * 1024, ...options });
    await within(
      ms,
      `the WebSocket handshake with ${url}`,
      new Promise<void>((resolve, reject) => {
        socket.once("open", resolve);
        socket.once("error", reject);
        socket.once(
          "unexpected-response",
          (_, response) => reject(new Error(`handshake answered ${response.statusCode} ${response.statusMessage}`)),
        );
      }),
    ).catch((error: unknown) => {
      socket.terminate();
      throw error;
    });
    socket.on("error", () => {}); // surfaced through `closed` and read deadlines
    return new EchoClient(socket);
  }

  send(data: string | Uint8Array): void {
    this.socket.send(data);
  }

  /** The next message, or an error naming `what` if none arrives in `ms`. */
  next(ms: number, what = "the echo"): Promise<Received> {
    return within(
      ms,
      what,
      (async () => {
        while (this.#queue.length === 0) {
          if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`the connection closed before ${what}`);
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
        return this.#queue.shift()!;
      })(),
    );
  }

  /** Sends a close frame and resolves with the code and reason of the server's close frame. */
  close(code?: number, reason?: string, ms = 10_000): Promise<{ code: number; reason: string }> {
    this.socket.close(code, reason);
    return within(ms, `the server's close frame after ours (${code} ${reason ?? ""})`, this.closed);
  }

  terminate(): void {
    this.socket.terminate();
  }
}
