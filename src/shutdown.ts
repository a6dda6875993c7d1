import { CLOSE_CODES } from "./close-codes.ts";
import type { ConnectionRegistry } from "./connections.ts";
import type { Logger } from "./log.ts";

/** How long open WebSockets get to finish their closing handshake on SIGTERM/SIGINT. */
export const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Graceful shutdown: stop accepting, close every open WebSocket with 1001
 * (Going Away), and resolve when all have closed or the grace period is over.
 * The caller then exits with 0.
 */
export async function shutdown(
  { stopAccepting, connections, log, graceMs = SHUTDOWN_GRACE_MS }: {
    stopAccepting: () => void;
    connections: ConnectionRegistry;
    log: Logger;
    graceMs?: number;
  },
): Promise<void> {
  log.info("shutting down", { open: connections.size, graceMs });
  stopAccepting();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const closed = await Promise.race([
    connections.closeAll(CLOSE_CODES.goingAway, "server shutting down").then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
  ]);
  clearTimeout(timer);
  if (!closed) log.warn("shutdown grace period over", { open: connections.size });
  log.info("stopped");
}
