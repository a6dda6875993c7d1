// Native control for Deno: `Deno.serve` and `Deno.upgradeWebSocket`, no Hono.
// binaryType "arraybuffer" as in our adapter: the default Blob would make every
// binary echo asynchronous.
const env = Deno.env.toObject();
// NATIVE_GRACEFUL (the storm mode, bench/storm.ts): SIGTERM closes every WebSocket with 1001, as ours does,
// and the process exits once all are closed (5 s at most). Otherwise SIGTERM ends it at once.
const open = env.NATIVE_GRACEFUL ? new Set() : undefined;
const server = Deno.serve({
  port: Number(env.PORT || 8080),
  hostname: env.HOST || "127.0.0.1",
  onListen: ({ hostname, port }) => console.log(`native-echo (deno) listening on http://${hostname}:${port}`),
}, (req) => {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response(null, { status: 426 });
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => socket.send(event.data);
  if (open) {
    socket.onopen = () => open.add(socket);
    socket.onclose = () => open.delete(socket);
  }
  return response;
});
if (open) {
  Deno.addSignalListener("SIGTERM", () => {
    void server.shutdown();
    for (const socket of open) socket.close(1001, "server shutting down");
    const deadline = Date.now() + 5_000;
    setInterval(() => (open.size === 0 || Date.now() > deadline) && Deno.exit(0), 10);
  });
}
