/**
 * The client of bench/instructions.sh, on the bench's own load client:
 * `PORT WARM N C W [PACING] [BYTES]`. Opens C connections to
 * 127.0.0.1:PORT/ws, echoes at least WARM messages (BYTES each, 64 by default,
 * binary and text alternating, W in flight on each connection, or written as
 * the socket takes them with PACING=stream; every echo verified), prints
 * "warm", waits for SIGUSR1, echoes at least N more on the same connections
 * and prints "done <messages echoed in that phase>".
 */
import process from "node:process";
import { until } from "../test/harness/deadline.ts";
import { LoadClient } from "./load.ts";

const [port, warm, n, connections, window] = process.argv.slice(2, 7).map(Number) as [
  number,
  number,
  number,
  number,
  number,
];
const pacing = process.argv[7] === "stream" ? "stream" : "window";
const payloadBytes = Number(process.argv[8] ?? 64);
const load = new LoadClient("127.0.0.1", port, {
  connections,
  payloadBytes,
  window,
  pacing,
  ringSize: pacing === "stream" ? window : 64,
});

/** Echoes at least `count` messages, then lets the ones in flight come back; returns how many were echoed. */
async function phase(count: number): Promise<number> {
  const from = load.received;
  load.start();
  await until(600_000, `${count} echoes`, () => {
    load.mark(false); // throws the first failed echo
    return load.received - from >= count;
  }, 10);
  await load.stop();
  return load.received - from;
}

await load.open();
await phase(warm);
console.log("warm");
await new Promise((resolve) => process.once("SIGUSR1", resolve));
console.log(`done ${await phase(n)}`);
await load.close();
