import type { RuntimeName } from "./runtime.ts";

/** Where the service listens, from `PORT` and `HOST`; the same defaults on every runtime. */
export interface ListenOptions {
  port: number;
  hostname: string;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = "127.0.0.1";

type Env = Record<string, string | undefined>;

/** Reads `PORT` (0–65535; 0 picks a free port) and `HOST`, failing loudly on a bad value. */
export function readListenOptions(env: Env): ListenOptions {
  const rawPort = env.PORT?.trim() || String(DEFAULT_PORT);
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    throw new RangeError(`PORT must be an integer from 0 to 65535, got "${env.PORT}"`);
  }
  return { port, hostname: env.HOST?.trim() || DEFAULT_HOST };
}

/**
 * The one line every runtime prints once it accepts connections; the test
 * harness waits for it. `tls`: https (src/tls.ts).
 */
export function readyLine(runtime: RuntimeName, hostname: string, port: number, tls = false): string {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return `ws-echo (${runtime}) listening on ${tls ? "https" : "http"}://${host}:${port}`;
}
