import { existsSync } from "node:fs";
import type { RuntimeName } from "../src/runtime.ts";

/**
 * What differs between runtimes, as flags the shared suite reads; they are
 * printed in each suite's name so a difference is never a silent skip.
 */
export interface Capabilities {
  /** Answers SIGTERM by closing every socket with 1001 and exiting (Workers: the platform drains). */
  gracefulShutdown: boolean;
  /**
   * Whether a 426 answer keeps its `Upgrade: websocket` header. workerd drops
   * `Upgrade` and `Connection` from every non-101 response a Worker returns, as
   * connection-level (hop-by-hop) headers; the status still says 426.
   */
  upgradeHeaderOn426: boolean;
  /**
   * What a WebSocket handshake sent with another method than GET gets. Where
   * the runtime's HTTP layer sees it before our app does, its answer is pinned
   * here: Deno's server says 400 to a POST with a body length, local workerd
   * fails the request with 500 ("WebSocket must be initiated with a GET
   * request", kj/compat/http.c++). Our app says 405. TRACE is a method
   * undici's Request refuses: Node's upgrade path once threw on it outside its
   * try and the process ended (see src/node/request.ts).
   */
  nonGetHandshakeStatus: { POST: 405 | 400 | 500; TRACE: 405 | 500 };
  /**
   * What a request whose Host is no authority (`Host: a b`) gets: 400 from our
   * app (RFC 9112 §3.2), where Deno's and Bun's servers would have let it
   * through (Bun then hands over a relative URL, "/ws") and Node's upgrade path
   * once ended the process on it (src/node/runtime.ts). Local workerd fails
   * such a request with 500 before the Worker runs.
   */
  malformedHostStatus: 400 | 500;
  /**
   * Keep-alive pings: "own" (ours: KEEP_ALIVE_INTERVAL_MS and _TIMEOUT_MS),
   * "runtime" (Deno's idleTimeout: a ping after the interval without
   * traffic, 1001 when nothing comes back within another interval), "none" (workerd has no ping API).
   */
  serverPings: "own" | "runtime" | "none";
  /**
   * A client that sends but never reads: "pause" (reading stops at the
   * high-water mark, TCP pushes back), "close" (1008: the runtime cannot pause),
   * "none" (no bufferedAmount to watch: workerd queues by itself).
   */
  flowControl: "pause" | "close" | "none";
  /**
   * What a handshake with Sec-WebSocket-Version 8 gets: 426 naming 13 from our
   * app, except under `wrangler dev`, whose local proxy answers 400 ("The
   * requested WebSocket version is not supported.") before the Worker runs.
   */
  badVersionStatus: 426 | 400;
  /**
   * `wrangler dev` puts a local proxy before workerd that makes its own
   * handshake with the Worker (its own key: a malformed client key still gets
   * 101) and does not pass a client's disconnect on at once, so connection
   * counts lag. The production options are proven on the same workerd under
   * Miniflare; this leg pins the proxy's behaviour instead.
   */
  devProxy: boolean;
  /**
   * Whether a client's offer of permessage-deflate (RFC 7692) is accepted with
   * the default COMPRESSION=off. Node, Deno, Bun: declined. Workers: workerd
   * declines for our Worker (the compatibility flag `no_web_socket_compression`
   * in wrangler.toml), but locally Miniflare's entry worker, which stands before
   * ours with compatibility date 2025-03-17 and flags of its own, negotiates it
   * by itself (miniflare's SERVICE_ENTRY; not configurable). COMPRESSION=on:
   * `compression`.
   */
  deflate: boolean;
  /**
   * How many fragments one message may have at the default MAX_MESSAGE_BYTES,
   * or false for no count limit. Node's `ws` keeps every fragment apart until
   * the message is whole, so ours bounds their number at
   * max(16,384, MAX_MESSAGE_BYTES / 64) (src/node/upgrade.ts `maxFragments`)
   * and closes with 1008 past it; Bun, Deno and workerd append each fragment
   * to one buffer, bounded by the size limit alone.
   */
  fragmentLimit: number | false;
  /**
   * What a client's close gets when it arrives in the same write as two or
   * more messages: "sent", the echoes then the close reply; "dropped", workerd
   * echoes every message, then ends TCP without a close frame. It does so
   * whenever the close arrives while echoes are still going out (by timing,
   * also behind one 4 MiB message), a bare WebSocketPair Worker alike, with
   * workerd's own close reply or ours. No upstream issue found.
   */
  closeReplyBehindMessages: "sent" | "dropped";
  /**
   * Whether the 101 carries the security headers every other answer carries.
   * Node: `ws` writes the headers of the app's answer into it; Deno and workerd
   * send the upgrade Response the middleware added them to. Bun: no, since
   * `server.upgrade` writes the 101 inside the route's handler, before any
   * middleware has the answer (src/security-headers.ts).
   */
  securityHeadersOn101: boolean;
  /**
   * Whether /metrics has the process's own `process_*` metrics (CPU, memory,
   * start time, from node:process). A Worker has no process of its own to
   * tell of: workerd runs many isolates in one process.
   */
  processMetrics: boolean;
  /**
   * What closes a client that never completes its handshake request
   * (slowloris): "ours", HANDSHAKE_TIMEOUT_MS (Node's headersTimeout);
   * "fixed", the runtime's own deadline, not configurable (Bun.serve: uWS's
   * 10 s, 8-12 s wall clock; uNetworking/uWebSockets#1242, oven-sh/bun#33061);
   * "none", nothing (Deno.serve has no header timeout: denoland/deno#3515;
   * local workerd neither, on Cloudflare the edge handles it).
   */
  handshakeDeadline: "ours" | "fixed" | "none";
  /**
   * What a client that floods past MAX_MESSAGES_PER_SECOND sees: "1008", the
   * close frame naming the limit; "1008-or-reset", Deno closes the TCP
   * connection right after its close frame with the flood's unread messages
   * still in the socket, so the kernel answers with a reset and the client
   * often sees 1006 (losing echoes in flight) instead; the server's log line
   * still names the limit (the same cause as Deno's flow-control close).
   */
  rateLimitClose: "1008" | "1008-or-reset";
  /**
   * https and wss on the one port from TLS_CERT_FILE and TLS_KEY_FILE (src/tls.ts).
   * Workers: Cloudflare terminates TLS, and the launchers refuse the variables
   * (`wrangler dev --local-protocol https` is the local way: docs/tls.md).
   */
  tls: boolean;
  /**
   * With TLS, whether the server offers HTTP/2 (ALPN "h2"): Deno.serve does, so
   * browsers load the page over HTTP/2 there; Node's https server (as
   * `@hono/node-server` makes it) and Bun's speak HTTP/1.1 only. WebSockets
   * are HTTP/1.1 upgrades on every runtime.
   */
  tlsHttp2: boolean;
  /**
   * WORKERS > 1 runs that many serving processes under one primary (src/<runtime>/cluster.ts):
   * node:cluster on Node, `reusePort` processes on Bun and Deno. Not on Workers: the platform
   * places isolates, so WORKERS is accepted there and ignored, and /healthz has no pid.
   */
  workerProcesses: boolean;
  /**
   * Whether COMPRESSION=on negotiates permessage-deflate (test/compression.ts):
   * Node (`ws`), Bun and workerd do; `Deno.upgradeWebSocket` has no extensions
   * (denoland/deno#7681), so Deno declines.
   */
  compression: boolean;
  /**
   * Whether messages the server sends below COMPRESSION_THRESHOLD_BYTES go
   * out uncompressed: `ws` and Bun (ours) honour it; workerd has no threshold.
   */
  compressionThreshold: boolean;
  /**
   * What bounds the inflated size of a compressed message: "limit",
   * MAX_MESSAGE_BYTES while inflating (`ws` maxPayload, Bun's
   * maxPayloadLength: 1009 at the limit); or a number, the runtime's own cap in
   * bytes, inflated to before our echo checks the limit: workerd's 32 MiB
   * (WEBSOCKET_MAX_MESSAGE_SIZE, src/workerd/api/web-socket.c++), past which it
   * closes with 1009 itself.
   */
  inflateBound: "limit" | number;
  /**
   * RSV1 on a control or continuation frame of a compressed connection (RFC
   * 7692 §6.1: fail the connection): "fail" (`ws`, Bun: 1002); "ignored"
   * (workerd, kj-http: answers the ping, echoes the message). No upstream issue found.
   */
  misplacedRsv1: "fail" | "ignored";
}

export interface RuntimeUnderTest {
  /** Name in the test output. */
  label: string;
  runtime: RuntimeName;
  /** The npm script that starts it, as a user would. */
  script: string;
  /** A file without which it cannot run (its binary, or the build). */
  requires: string;
  capabilities: Capabilities;
  /** The npm script running examples/<runtime>.ts, a host app that mounts the echo under /echo. */
  mountScript?: string;
  /** Extra time to start (wrangler dev bundles and boots workerd). */
  readyTimeoutMs?: number;
}

export const node: RuntimeUnderTest = {
  label: "node",
  runtime: "node",
  script: "start:node",
  mountScript: "example:node",
  requires: "dist/node.js",
  capabilities: {
    gracefulShutdown: true,
    upgradeHeaderOn426: true,
    nonGetHandshakeStatus: { POST: 405, TRACE: 405 },
    malformedHostStatus: 400,
    serverPings: "own",
    flowControl: "pause",
    badVersionStatus: 426,
    devProxy: false,
    deflate: false,
    fragmentLimit: 262_144,
    closeReplyBehindMessages: "sent",
    securityHeadersOn101: true,
    processMetrics: true,
    handshakeDeadline: "ours",
    rateLimitClose: "1008",
    tls: true,
    tlsHttp2: false,
    workerProcesses: true,
    compression: true,
    compressionThreshold: true,
    inflateBound: "limit",
    misplacedRsv1: "fail",
  },
};

/** The same Node entry on the current LTS, installed by `npm run setup:node24` (part of `npm test`). */
export const node24: RuntimeUnderTest = {
  ...node,
  label: "node 24",
  script: "start:node24",
  requires: ".cache/node24/node",
  mountScript: undefined,
};

export const deno: RuntimeUnderTest = {
  label: "deno",
  runtime: "deno",
  script: "start:deno",
  mountScript: "example:deno",
  requires: "node_modules/deno/deno",
  capabilities: {
    gracefulShutdown: true,
    upgradeHeaderOn426: true,
    nonGetHandshakeStatus: { POST: 400, TRACE: 405 },
    malformedHostStatus: 400,
    serverPings: "runtime",
    flowControl: "close",
    badVersionStatus: 426,
    devProxy: false,
    deflate: false,
    fragmentLimit: false,
    closeReplyBehindMessages: "sent",
    securityHeadersOn101: true,
    processMetrics: true,
    handshakeDeadline: "none",
    rateLimitClose: "1008-or-reset",
    tls: true,
    tlsHttp2: true,
    workerProcesses: true,
    compression: false,
    compressionThreshold: false,
    inflateBound: "limit",
    misplacedRsv1: "fail",
  },
};

export const bun: RuntimeUnderTest = {
  label: "bun",
  runtime: "bun",
  script: "start:bun",
  mountScript: "example:bun",
  requires: "node_modules/.bin/bun",
  capabilities: {
    gracefulShutdown: true,
    upgradeHeaderOn426: true,
    nonGetHandshakeStatus: { POST: 405, TRACE: 405 },
    malformedHostStatus: 400,
    serverPings: "own",
    flowControl: "pause",
    badVersionStatus: 426,
    devProxy: false,
    deflate: false,
    fragmentLimit: false,
    closeReplyBehindMessages: "sent",
    securityHeadersOn101: false,
    processMetrics: true,
    handshakeDeadline: "fixed",
    rateLimitClose: "1008",
    tls: true,
    tlsHttp2: false,
    workerProcesses: true,
    compression: true,
    compressionThreshold: true,
    inflateBound: "limit",
    misplacedRsv1: "fail",
  },
};

const workers = {
  runtime: "workers",
  requires: "node_modules/.bin/workerd",
  capabilities: {
    gracefulShutdown: false,
    upgradeHeaderOn426: false,
    nonGetHandshakeStatus: { POST: 500, TRACE: 500 },
    malformedHostStatus: 500,
    serverPings: "none",
    flowControl: "none",
    badVersionStatus: 426,
    devProxy: false,
    deflate: true,
    fragmentLimit: false,
    closeReplyBehindMessages: "dropped",
    securityHeadersOn101: true,
    processMetrics: false,
    handshakeDeadline: "none",
    rateLimitClose: "1008",
    tls: false,
    tlsHttp2: false,
    workerProcesses: false,
    compression: true,
    compressionThreshold: false,
    inflateBound: 32 * 1024 * 1024,
    misplacedRsv1: "ignored",
  },
} as const;

export const workersMiniflare: RuntimeUnderTest = {
  ...workers,
  label: "workers (miniflare)",
  script: "start:miniflare",
  mountScript: "example:workers",
};

export const workersWrangler: RuntimeUnderTest = {
  ...workers,
  label: "workers (wrangler dev)",
  script: "start:workers",
  readyTimeoutMs: 90_000,
  capabilities: { ...workers.capabilities, badVersionStatus: 400, devProxy: true },
};

/**
 * Why a runtime cannot run here, or undefined when it can. With CI=true the
 * suite fails on this; elsewhere it skips with the reason printed.
 */
export function missing(rt: RuntimeUnderTest): string | undefined {
  if (existsSync(rt.requires)) return undefined;
  return `${rt.label}: ${rt.requires} is missing (run "npm ci", and "npm run build" for Node)`;
}
