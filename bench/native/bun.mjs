// Native control for Bun: `Bun.serve` with its websocket handlers, no Hono, Bun's defaults.
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
  },
});
console.log(`native-echo (bun) listening on http://${server.hostname}:${server.port}`);
