/**
 * Slowloris against a running server, and whether a normal client still gets
 * in: opens SLOW sockets that each send the start of a WebSocket handshake and
 * then one more header line every TRICKLE_MS, never finishing it (they do not
 * reconnect when closed); meanwhile, once a second, a normal client tries a
 * full WebSocket handshake with a 1 s deadline. Prints one line per second and
 * a JSON summary. Loopback only; bounded in sockets (at most 20,000) and time.
 *
 *   node_modules/.bin/esbuild bench/slowloris.ts --bundle --platform=node --format=esm \
 *     --packages=external --outfile=dist/bench/slowloris.js
 *   node dist/bench/slowloris.js PORT [SLOW=5000] [SECONDS=30] [TRICKLE_MS=2000]
 *
 * The client needs SLOW + a few file descriptors (`ulimit -n`); see
 * docs/security.md for the runs and their numbers.
 */
import { connect, type Socket } from "node:net";
import process from "node:process";
import WebSocket from "ws";

const port = Number(process.argv[2]);
const slow = Math.min(Number(process.argv[3] ?? 5000), 20_000);
const seconds = Math.min(Number(process.argv[4] ?? 30), 300);
const trickleMs = Math.max(100, Number(process.argv[5] ?? 2000));
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: slowloris.js PORT [SLOW] [SECONDS] [TRICKLE_MS]");
  process.exit(2);
}

const sockets: Socket[] = [];
let connected = 0;
let failed = 0;
let closedByServer = 0;
let answered = 0;

function openSlow(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    let settled = false;
    const settle = () => {
      if (!settled) settled = true, resolve();
    };
    socket.once("connect", () => {
      connected++;
      socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`);
      settle();
    });
    socket.once("data", () => answered++); // the server answered (408, 400...) instead of waiting
    socket.on("error", () => {});
    socket.once("close", () => {
      if (!settled) failed++;
      else closedByServer++;
      settle();
    });
    // A connect that never completes (the listen backlog is full) counts as failed after 5 s.
    setTimeout(() => {
      if (!settled) {
        failed++;
        socket.destroy();
        settle();
      }
    }, 5_000).unref();
  });
}

/** A normal client's handshake: ms to open, or why not within 1 s. */
function probe(): Promise<number | string> {
  const start = performance.now();
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve("no answer in 1 s");
    }, 1_000);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve(Math.round(performance.now() - start));
      ws.terminate();
    });
    ws.once("unexpected-response", (_, response) => {
      clearTimeout(timer);
      resolve(`HTTP ${response.statusCode}`);
      ws.terminate();
    });
    ws.once("error", (error) => {
      clearTimeout(timer);
      resolve((error as NodeJS.ErrnoException).code ?? error.message);
    });
  });
}

const begin = Date.now();
// In batches, so the listen backlog is not the only thing measured.
for (let i = 0; i < slow; i += 250) {
  await Promise.all(Array.from({ length: Math.min(250, slow - i) }, openSlow));
}
console.log(`${slow} slow sockets attempted in ${Date.now() - begin} ms: ${connected} connected, ${failed} failed`);
const trickle = setInterval(() => {
  for (const socket of sockets) if (!socket.destroyed && socket.writable) socket.write("X-Slow: 1\r\n");
}, trickleMs);

const rows: { t: number; open: number; probe: number | string }[] = [];
const start = Date.now();
for (let t = 0; t < seconds; t++) {
  const result = await probe();
  const open = sockets.filter((socket) => !socket.destroyed && !socket.readableEnded).length;
  rows.push({ t, open, probe: result });
  console.log(
    `t=${String(t).padStart(3)} s  slow sockets open ${String(open).padStart(5)}  normal client: ${
      typeof result === "number" ? `${result} ms` : result
    }`,
  );
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + (t + 1) * 1_000 - Date.now())));
}
clearInterval(trickle);
for (const socket of sockets) socket.destroy();

const ok = rows.filter((row) => typeof row.probe === "number");
const firstOk = ok[0]?.t;
console.log(JSON.stringify({
  slow,
  connected,
  failed,
  closedByServer,
  answeredByServer: answered,
  probes: rows.length,
  probesWithin1s: ok.length,
  firstProbeWithin1sAt: firstOk ?? null,
  lastSlowOpen: rows.at(-1)?.open,
}));
process.exit(0);
