import type { WSContextInit, WSReadyState } from "hono/ws";

/**
 * The init of a WSContext subclass that overrides every member reading it
 * (Bun's `SocketData`, `StandardContext` for Deno and Workers): one shared
 * object instead of one per connection. Never read; a member that reaches it
 * is a bug, and says so.
 */
export const UNUSED_INIT: WSContextInit<never> = {
  send: unused,
  close: unused,
  get readyState(): WSReadyState {
    return unused();
  },
};

function unused(): never {
  throw new Error("ws-echo: this WSContext subclass must override every member that reads its init");
}
