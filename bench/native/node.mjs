// Native control for Node: `ws` on node:http, no Hono. The smallest idiomatic echo:
// the Buffer `ws` hands over goes back with the frame type it came in.
import { createServer } from "node:http";
import process from "node:process";
import { WebSocketServer } from "ws";

const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || "127.0.0.1";
const server = createServer((_req, res) => res.writeHead(426).end());
const wss = new WebSocketServer({ server, path: "/ws" });
wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
server.listen(port, host, () => console.log(`native-echo (node) listening on http://${host}:${server.address().port}`));
process.once("SIGTERM", () => process.exit(0));
