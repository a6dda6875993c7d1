// Bun: `Bun.serve` with its WebSocket handlers, through our own upgrade helper.
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { getBunServer, getConnInfo } from "hono/bun";
import { defineWebSocketHelper, type UpgradeWebSocket, WSContext, type WSEvents, type WSMessageReceive } from "hono/ws";
import { CLOSE_CODES } from "../close-codes.ts";
import { subprotocolFor } from "../handshake.ts";
import { HIGH_WATER_MARK } from "../flow-control.ts";
import { DEFAULT_OPTIONS, type EchoOptions } from "../options.ts";
import type { EchoRuntime, UpgradeOptions } from "../runtime.ts";

/** What each Bun socket carries in `ws.data`. */
export interface SocketData {
  events: WSEvents<ServerWebSocket<SocketData>>;
  /** The request URL, kept as a string: WSContext makes the one URL object. */
  url: string;
  /** The sub-protocol answered in the handshake, if any. */
  protocol: string | null;
  /** Created once in `open`: `hono/bun` builds a new WSContext for every event. */
  context?: WSContext<ServerWebSocket<SocketData>>;
  onPong?: () => void;
}

/**
 * `upgradeWebSocket` on Hono's `defineWebSocketHelper`, in the shape of
 * `hono/bun`'s. Why not that one: it cannot answer a sub-protocol of the
 * server's choosing (Bun then echoes the client's first), it has no pong
 * event for keep-alive, and it builds a WSContext per event.
 */
export const upgradeWebSocket: UpgradeWebSocket<ServerWebSocket<SocketData>, UpgradeOptions> = defineWebSocketHelper<
  ServerWebSocket<SocketData>,
  UpgradeOptions
>(
  (c, events, options) => {
    const server = getBunServer<Server<SocketData>>(c);
    if (!server) throw new TypeError("Bun.serve must pass its server to app.fetch as the second argument");
    const protocol = subprotocolFor(c.req.raw.headers, options?.protocols);
    const upgraded = server.upgrade(c.req.raw, {
      data: { events, url: c.req.url, protocol: protocol ?? null },
      // Without the header Bun answers the client's first offer, spoken or not; an
      // empty value makes it answer none.
      headers: { "Sec-WebSocket-Protocol": protocol ?? "" },
    });
    // Bun has written the 101 itself; the Response returned here is not sent.
    if (upgraded) return new Response(null);
    return new Response("WebSocket upgrade failed\n", { status: 400 });
  },
);

function contextOf(ws: ServerWebSocket<SocketData>): WSContext<ServerWebSocket<SocketData>> {
  return ws.data.context ??= new WSContext({
    send: (data) => {
      // 0: Bun dropped the message (past backpressureLimit). Never silently.
      if (ws.send(data) === 0) ws.close(CLOSE_CODES.policyViolation, "send buffer full: the client is not reading");
    },
    close: (code, reason) => ws.close(code, reason),
    raw: ws,
    get readyState() {
      return ws.readyState as 0 | 1 | 2 | 3;
    },
    url: ws.data.url,
    protocol: ws.data.protocol,
  });
}

/** The `websocket` option of `Bun.serve`, configured from our options. */
export function websocketHandler(
  options: Partial<EchoOptions> = {},
): WebSocketHandler<SocketData> {
  const { maxMessageSize } = { ...DEFAULT_OPTIONS, ...options };
  return {
    open: (ws) => ws.data.events.onOpen?.(new Event("open"), contextOf(ws)),
    // Binary arrives as a Buffer (a Uint8Array view): passed on as it is (see ../message.ts).
    // A plain `{ data }`, not a MessageEvent: the echo reads only `data`, and Bun's
    // MessageEvent costs ~0.8 µs to build; `npm run bench` (pipelined, 64 B): server
    // CPU per message 4.6 → 2.5 µs.
    message: (ws, message) =>
      ws.data.events.onMessage?.({ data: message as unknown as WSMessageReceive } as MessageEvent, contextOf(ws)),
    close: (ws, code, reason) =>
      ws.data.events.onClose?.(Object.assign(new Event("close"), { code, reason }) as CloseEvent, contextOf(ws)),
    pong: (ws) => ws.data.onPong?.(),
    maxPayloadLength: maxMessageSize,
    // Our keep-alive pings (../keep-alive.ts), not Bun's idle timer.
    idleTimeout: 0,
    sendPings: false,
    // Our flow control pauses reading at HIGH_WATER_MARK; one more message may
    // still be echoed after that, so Bun's own limit sits above both.
    backpressureLimit: HIGH_WATER_MARK * 2 + maxMessageSize,
  };
}

/** ws-echo on Bun: pass it to `createEchoApp` or `createApp`. */
export const runtime: EchoRuntime = {
  name: "bun",
  upgradeWebSocket,
  socketControl: ({ raw }) => {
    const ws = raw as ServerWebSocket<SocketData>;
    return {
      bufferedAmount: () => ws.getBufferedAmount(),
      terminate: () => ws.terminate(),
      ping: () => ws.ping(),
      onPong: (listener) => (ws.data.onPong = listener),
      pause: () => ws.pause(),
      resume: () => ws.resume(),
    };
  },
  remoteAddress: (c) => getConnInfo(c).remote.address,
};
