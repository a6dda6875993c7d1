// Native control for Bun: `Bun.serve` with its websocket handlers, no Hono, Bun's defaults.
// NATIVE_GRACEFUL (the storm mode, bench/storm.ts): SIGTERM closes every WebSocket with 1001, as ours does,
// and the process exits once all are closed (5 s at most). Otherwise SIGTERM ends it at once.
const open = Bun.env.NATIVE_GRACEFUL ? new Set() : undefined;
const server = Bun.serve({
  port: Number(Bun.env.PORT || 8080),
  hostname: Bun.env.HOST || "127.0.0.1",
  fetch(req, server) {
    if (new URL(req.url).pathname === "/ws" && server.upgrade(req)) return;
    return new Response(null, { status: 426 });
  },
  websocket: {
    message(ws, message) {
      ws.send(message);
    },
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
