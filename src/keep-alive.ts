import type { SocketControl } from "./socket-control.ts";

/**
 * Pings the peer every `interval` ms and drops it when no pong comes within
 * `timeout` ms of a ping (ASP.NET Core's KeepAliveInterval and KeepAliveTimeout).
 * The pings also keep proxies from closing an idle connection. Returns the
 * function that stops it; a no-op where the runtime cannot ping.
 */
export function startKeepAlive(
  control: SocketControl,
  { interval, timeout }: { interval: number; timeout: number },
  onDead: () => void,
): () => void {
  const { ping, onPong } = control;
  if (!ping || !onPong || interval <= 0) return () => {};
  let deadline: ReturnType<typeof setTimeout> | undefined;
  onPong(() => {
    if (deadline !== undefined) clearTimeout(deadline);
    deadline = undefined;
  });
  const timer = setInterval(() => {
    // One outstanding ping at a time: its deadline, not a newer ping's, decides.
    if (deadline !== undefined) return;
    ping.call(control);
    if (timeout > 0) deadline = setTimeout(onDead, timeout);
  }, interval);
  return () => {
    clearInterval(timer);
    if (deadline !== undefined) clearTimeout(deadline);
  };
}
