import type { WSContext, WSEvents } from "hono/ws";
import { type EchoPayload, toEchoPayload } from "./message.ts";

/** RFC 6455 §7.4.1: 1005 means "no status code was present"; it must never be sent. */
const NO_STATUS_RECEIVED = 1005;
/** RFC 6455 §7.4.1: the server hit an unexpected condition. */
const INTERNAL_ERROR = 1011;

/**
 * The echo: every message goes back with its type, in the order received, until
 * the client closes; the client's close code and reason go back in the server's
 * close frame, as in ASP.NET Core's sample.
 *
 * Called once per connection, so the closure is that connection's state.
 */
export function createEchoEvents(): WSEvents {
  // Set while a Blob is being read: later messages queue behind it so the
  // echo order is the receive order even when one conversion is asynchronous.
  let pending: Promise<void> | undefined;

  return {
    onMessage(event, ws) {
      const payload = toEchoPayload(event.data);
      if (pending === undefined && !(payload instanceof Promise)) {
        ws.send(payload);
        return;
      }
      const sent: Promise<void> = (pending ?? Promise.resolve())
        .then(() => payload)
        .then((bytes) => send(ws, bytes))
        .catch((error: unknown) => {
          console.error("echo: could not read a binary message", error);
          ws.close(INTERNAL_ERROR, "could not read message");
        })
        .finally(() => {
          if (pending === sent) pending = undefined;
        });
      pending = sent;
    },

    onClose(event, ws) {
      // Runtimes that answer a client's close themselves have already echoed the
      // code; on them the socket is no longer open and this does nothing.
      if (ws.readyState !== 1) return;
      if (event.code === NO_STATUS_RECEIVED) ws.close();
      else ws.close(event.code, event.reason);
    },
  };
}

function send(ws: WSContext, payload: EchoPayload): void {
  if (ws.readyState === 1) ws.send(payload);
}
