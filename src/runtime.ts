import type { Context } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import type { ProcessMetricsSource } from "./metrics.ts";
import type { EchoOptions } from "./options.ts";
import type { SocketControl } from "./socket-control.ts";

/** The runtimes ws-echo runs on. */
export type RuntimeName = "node" | "deno" | "bun" | "workers";

/**
 * What the echo app passes as the second argument of `upgradeWebSocket`: its
 * settled options, the one copy of them. Each runtime's helper takes what it
 * can use: the sub-protocols everywhere, the keep-alive interval on Deno (which
 * pings by itself), and on Node the size limit (`ws` enforces it while reading).
 */
export type UpgradeOptions = Readonly<EchoOptions>;

/**
 * Everything runtime-specific the shared app needs, provided by
 * `src/<runtime>/runtime.ts`. A gap shows in the types: Workers have no
 * `ping`, Deno's pings are its own.
 */
export interface EchoRuntime {
  name: RuntimeName;
  // deno-lint-ignore no-explicit-any -- each runtime's socket type differs
  upgradeWebSocket: UpgradeWebSocket<any, UpgradeOptions>;
  /** The runtime's extra abilities for one socket, from `ws.raw`. */
  socketControl(ws: WSContext): SocketControl;
  /** The peer's address for the connection log, where the runtime tells it. */
  remoteAddress?(c: Context): string | undefined;
  /** The process's CPU and memory for /metrics; absent on Workers, which have no process to tell of. */
  processMetrics?: ProcessMetricsSource;
  /**
   * The UTF-8 length of a received text message, where the runtime has a native
   * one (Bun, Deno: `Buffer.byteLength`); else ./metrics.ts `utf8Length`.
   */
  utf8Length?(text: string): number;
}
