import { expect, test } from "vitest";
import { isWebSocketUpgrade } from "../../src/upgrade.ts";

const headers = (init: Record<string, string>) => new Headers(init);

test.each([
  [{ upgrade: "websocket", connection: "Upgrade" }, true],
  [{ upgrade: "WebSocket", connection: "upgrade" }, true],
  [{ upgrade: "WEBSOCKET", connection: "keep-alive, Upgrade" }, true],
  [{ upgrade: "h2c, websocket", connection: "Upgrade" }, true],
  [{ upgrade: "websocket" }, false],
  [{ connection: "Upgrade" }, false],
  [{ upgrade: "websocketx", connection: "Upgrade" }, false],
  [{ upgrade: "websocket", connection: "keep-alive" }, false],
  [{}, false],
])("%j is an upgrade: %s", (init, expected) => {
  expect(isWebSocketUpgrade(headers(init))).toBe(expected);
});
