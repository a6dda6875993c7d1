// Native control for Node: `ws` on node:http, no Hono. The smallest idiomatic echo:
// the Buffer `ws` hands over goes back with the frame type it came in.
import { createServer } from "node:http";
import process from "node:process";
import { WebSocketServer } from "ws";

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || "127.0.0.1";
const server = createServer((_req, res) => res.writeHead(426).end());
// NATIVE_COMPRESSION=on (the compressed modes, bench/compression.ts): permessage-deflate with ours's settings
// (src/node/upgrade.ts): no context takeover either way, the threshold, and ws's zlib concurrency limit.
const perMessageDeflate = process.env.NATIVE_COMPRESSION === "on" && {
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  threshold: Number(process.env.NATIVE_COMPRESSION_THRESHOLD_BYTES),
  concurrencyLimit: Number(process.env.NATIVE_ZLIB_CONCURRENCY),
};
const wss = new WebSocketServer({ server, path: "/ws", perMessageDeflate });
wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
server.listen(port, host, () => console.log(`native-echo (node) listening on http://${host}:${server.address().port}`));
// NATIVE_GRACEFUL (the storm mode, bench/storm.ts): SIGTERM closes every WebSocket with 1001, as ours does,
// and the process exits once all are closed (5 s at most); otherwise it exits at once.
process.once("SIGTERM", () => {
  if (!process.env.NATIVE_GRACEFUL) process.exit(0);
  server.close();
  for (const ws of wss.clients) ws.close(1001, "server shutting down");
  const deadline = Date.now() + 5_000;
  setInterval(() => (wss.clients.size === 0 || Date.now() > deadline) && process.exit(0), 10);
});
