// Native control for Deno: `Deno.serve` and `Deno.upgradeWebSocket`, no Hono.
// binaryType "arraybuffer" as in our adapter: the default Blob would make every
// binary echo asynchronous.
const env = Deno.env.toObject();
Deno.serve({
  port: Number(env.PORT || 8080),
  hostname: env.HOST || "127.0.0.1",
  onListen: ({ hostname, port }) => console.log(`native-echo (deno) listening on http://${hostname}:${port}`),
}, (req) => {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response(null, { status: 426 });
  const { socket, response } = Deno.upgradeWebSocket(req);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => socket.send(event.data);
  return response;
});
