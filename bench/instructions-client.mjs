// The client of bench/instructions.sh: opens C connections to 127.0.0.1:PORT/ws, echoes WARM messages (64 B,
// binary and text alternating, W in flight per connection, each echo checked for type and length), prints "warm",
// waits for SIGUSR1, echoes N more on the same connections, prints "done" and closes. Exits 2 past its deadline.
import process from "node:process";
import WebSocket from "ws";

const [port, warm, n, c, w] = process.argv.slice(2).map(Number);
const text = "x".repeat(64);
const binary = Buffer.alloc(64, 7);
setTimeout(() => {
  console.error("instructions-client: no end within 10 minutes");
  process.exit(2);
}, 600_000).unref();

const sockets = await Promise.all(Array.from({ length: c }, () =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  })));

/** Echoes `count` messages over all connections, `w` in flight on each. */
function phase(count) {
  return Promise.all(sockets.map((ws) =>
    new Promise((resolve, reject) => {
      const total = Math.ceil(count / c);
      let sent = 0, received = 0;
      const next = () => {
        const isText = sent++ % 2 === 1;
        ws.send(isText ? text : binary, { binary: !isText });
      };
      const onMessage = (data, isBinary) => {
        const isText = received++ % 2 === 1;
        if (isBinary === isText || data.length !== 64) reject(new Error("instructions-client: wrong echo"));
        if (received >= total) {
          ws.off("message", onMessage);
          resolve();
        } else if (sent < total) next();
      };
      ws.on("message", onMessage);
      for (let i = 0; i < w && sent < total; i++) next();
    })
  ));
}

await phase(warm);
console.log("warm");
await new Promise((resolve) => process.once("SIGUSR1", resolve));
await phase(n);
console.log("done");
for (const ws of sockets) ws.close();
