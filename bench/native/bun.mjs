// Native control for Bun: `Bun.serve` with its websocket handlers, no Hono, Bun's defaults.
// NATIVE_GRACEFUL (the storm mode, bench/storm.ts): SIGTERM closes every WebSocket with 1001, as ours does,
// and the process exits once all are closed (5 s at most). Otherwise SIGTERM ends it at once.
const open = Bun.env.NATIVE_GRACEFUL ? new Set() : undefined;
// NATIVE_COMPRESSION=on (the compressed modes, bench/compression.ts): permessage-deflate as ours sets it
// (src/bun/runtime.ts): the shared compressor and decompressor, and messages from the threshold up compressed.
const compression = Bun.env.NATIVE_COMPRESSION === "on";
const threshold = Number(Bun.env.NATIVE_COMPRESSION_THRESHOLD_BYTES);
const server = Bun.serve({
  port: Number(Bun.env.PORT || 8080),
  hostname: Bun.env.HOST || "127.0.0.1",
  fetch(req, server) {
    if (new URL(req.url).pathname === "/ws" && server.upgrade(req)) return;
    return new Response(null, { status: 426 });
  },
  websocket: {
    message(ws, message) {
      if (!compression) return void ws.send(message);
      ws.send(message, (typeof message === "string" ? Buffer.byteLength(message) : message.byteLength) >= threshold);
    },
    perMessageDeflate: compression && { compress: "shared", decompress: "shared" },
    ...(open && { open: (ws) => open.add(ws), close: (ws) => open.delete(ws) }),
  },
});
if (open) {
  process.once("SIGTERM", () => {
    server.stop();
    for (const ws of open) ws.close(1001, "server shutting down");
    const deadline = Date.now() + 5_000;
    setInterval(() => (open.size === 0 || Date.now() > deadline) && process.exit(0), 10);
  });
}
console.log(`native-echo (bun) listening on http://${server.hostname}:${server.port}`);
