import type { Server } from "node:http";

/**
 * HANDSHAKE_TIMEOUT_MS on Node: the HTTP server's `headersTimeout` (Kestrel's
 * RequestHeadersTimeout), counted from the moment the connection is accepted,
 * so a client that sends its request head slowly, or nothing at all, gets 408
 * and is closed once it is due. Node checks that deadline on a timer of its own
 * (`connectionsCheckingInterval`, 30 s by default), so a 10 s timeout could
 * take 40 s: the timer here ticks at a quarter of the timeout. Node reads the
 * interval when the server starts listening, which `listen` does on the next
 * tick: call this in the same tick as `serve()` (as ./server.ts does), or
 * create the server with these as its options.
 */
export function applyHandshakeTimeout(server: Server, timeoutMs: number): void {
  server.headersTimeout = timeoutMs;
  // Node requires requestTimeout (the whole request, 300 s by default) to be the longer one.
  if (server.requestTimeout > 0 && server.requestTimeout < timeoutMs) server.requestTimeout = timeoutMs;
  const checking = (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
    1,
    Math.min(checking, Math.floor(timeoutMs / 4)),
  );
}
