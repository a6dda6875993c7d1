// Native control for Workers: a `WebSocketPair` Worker, no Hono. binaryType
// "arraybuffer" as in our adapter (since 2026-03-17 the default is Blob).
export default {
  fetch(request) {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response(null, { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    server.binaryType = "arraybuffer";
    server.accept();
    server.addEventListener("message", (event) => server.send(event.data));
    return new Response(null, { status: 101, webSocket: client });
  },
};
