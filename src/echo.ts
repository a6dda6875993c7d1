import type { WSContext, WSEvents } from "hono/ws";
import { CLOSE_CODES as CLOSE, closeReply } from "./close-codes.ts";
import type { ConnectionRegistry, OpenConnection } from "./connections.ts";
import { FlowControl } from "./flow-control.ts";
import { startKeepAlive } from "./keep-alive.ts";
import type { Logger } from "./log.ts";
import { byteLength, type EchoPayload, toEchoPayload } from "./message.ts";
import type { EchoOptions } from "./options.ts";
import type { SocketControl } from "./socket-control.ts";

/** What the echo of one app shares across its connections. */
export interface EchoContext {
  options: EchoOptions;
  connections: ConnectionRegistry;
  log: Logger;
  /** The runtime's extra abilities for this socket (its entry point provides them). */
  control(ws: WSContext): SocketControl;
}

let lastId = 0;

/**
 * The echo: every message goes back with its type, in the order received, until
 * the client closes; the client's close code and reason go back in the server's
 * close frame, as in ASP.NET Core's sample. Around it: the size limit (1009),
 * keep-alive pings, flow control, an error in the echo path closing only this
 * connection (1011), and one log line at open and one at close.
 *
 * Called once per connection, so the closure is that connection's state.
 */
export function createEchoEvents(context: EchoContext, remoteAddress?: string): WSEvents {
  const { options, connections, log } = context;
  const id = ++lastId;
  const openedAt = Date.now();
  const stats = { messagesIn: 0, bytesIn: 0 };
  let socket: WSContext | undefined;
  let flow: FlowControl | undefined;
  let stopKeepAlive = () => {};
  let terminatedForSilence = false;
  // Set while a Blob is being read: later messages queue behind it so the echo
  // order is the receive order even when one conversion is asynchronous.
  let pending: Promise<void> | undefined;

  const connection: OpenConnection = { id, close: (code, reason) => socket?.close(code, reason) };

  const open = (ws: WSContext) => {
    socket = ws;
    const control = context.control(ws);
    flow = new FlowControl(control);
    stopKeepAlive = startKeepAlive(
      control,
      { interval: options.keepAliveInterval, timeout: options.keepAliveTimeout },
      () => {
        terminatedForSilence = true;
        log.info("ws keep-alive timeout", { id, timeoutMs: options.keepAliveTimeout });
        control.terminate();
      },
    );
    connections.add(connection);
    log.info("ws open", { id, remote: remoteAddress, protocol: ws.protocol || undefined });
  };

  const send = (ws: WSContext, payload: EchoPayload) => {
    if (ws.readyState !== 1) return;
    ws.send(payload);
    if (flow?.afterSend() === "close") {
      ws.close(CLOSE.policyViolation, "send buffer full: the client is not reading");
    }
  };

  const fail = (ws: WSContext, error: unknown) => {
    log.error("ws echo failed", { id, error: error instanceof Error ? error.stack ?? error.message : String(error) });
    if (ws.readyState === 1) ws.close(CLOSE.internalError, "internal error");
  };

  return {
    onOpen(_event, ws) {
      open(ws);
    },

    onMessage(event, ws) {
      try {
        if (socket === undefined) open(ws);
        const size = byteLength(event.data);
        stats.messagesIn++;
        stats.bytesIn += size;
        if (size > options.maxMessageSize) {
          ws.close(CLOSE.messageTooBig, `message of ${size} bytes exceeds ${options.maxMessageSize}`);
          return;
        }
        const payload = toEchoPayload(event.data);
        if (pending === undefined && !(payload instanceof Promise)) {
          send(ws, payload);
          return;
        }
        const sent: Promise<void> = (pending ?? Promise.resolve())
          .then(() => payload)
          .then((bytes) => send(ws, bytes))
          .catch((error: unknown) => fail(ws, error))
          .finally(() => {
            if (pending === sent) pending = undefined;
          });
        pending = sent;
      } catch (error) {
        fail(ws, error);
      }
    },

    onClose(event, ws) {
      stopKeepAlive();
      flow?.stop();
      connections.delete(connection);
      const code = terminatedForSilence ? CLOSE.abnormal : event.code;
      log.info("ws close", {
        id,
        code,
        reason: event.reason || undefined,
        durationMs: Date.now() - openedAt,
        messages: stats.messagesIn,
        bytes: stats.bytesIn,
      });
      // Node's ws, Bun and Deno answer the client's close themselves (validating the
      // code first): the socket is CLOSED here. On Workers the answer is ours
      // (web_socket_manual_reply_to_close in wrangler.toml, so that a reserved code
      // is not echoed): the socket is still CLOSING and must get a close frame.
      if (terminatedForSilence || ws.readyState === 3) return;
      const reply = closeReply(event.code, event.reason);
      try {
        if (reply.code === undefined) ws.close();
        else ws.close(reply.code, reply.reason);
      } catch (error) {
        // A close left unanswered hangs the client: an empty close frame is always allowed.
        log.warn("ws close reply failed", { id, code: reply.code, error: (error as Error).message });
        ws.close();
      }
    },

    onError(event, _ws) {
      const error = (event as ErrorEvent).error ?? (event as ErrorEvent).message;
      log.warn("ws error", { id, error: error instanceof Error ? error.message : String(error ?? "") });
    },
  };
}
