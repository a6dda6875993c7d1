/**
 * A load client process, driven by bench/run.ts over IPC. A process of its own
 * so that its CPU time (process.cpuUsage) is its alone: when it nears one full
 * core the run says the client, not the server, may have been the limit.
 *
 * It holds one set of connections per server (`set`: "ours", "native"), so the
 * run can switch the load from one server to the other in a moment, without
 * new handshakes in between.
 */
import process from "node:process";
import { LoadClient, type LoadSpec } from "./load.ts";
import { StormClient } from "./storm-client.ts";

export type ClientCommand =
  | { cmd: "open"; set: string; host: string; port: number; spec: LoadSpec; concurrency?: number }
  | { cmd: "start"; set: string }
  | { cmd: "mark"; set: string; recording: boolean }
  | { cmd: "stop"; set: string }
  | { cmd: "echoOnce"; set: string }
  | { cmd: "close"; set: string }
  // The storm mode (bench/storm.ts, bench/storm-client.ts).
  | { cmd: "stormOpen"; host: string; port: number; connections: number; concurrency: number }
  | { cmd: "stormArm" }
  | { cmd: "stormWait"; timeoutMs: number }
  | { cmd: "stormClose" };

const sets = new Map<string, LoadClient>();
let storm: StormClient | undefined;

async function handle(message: ClientCommand): Promise<unknown> {
  switch (message.cmd) {
    case "open": {
      sets.get(message.set)?.destroy();
      const load = new LoadClient(message.host, message.port, message.spec);
      sets.set(message.set, load);
      const before = process.cpuUsage();
      const seconds = await load.open(message.spec.connections, message.concurrency);
      const cpu = process.cpuUsage(before);
      return {
        seconds,
        handshakes: load.handshakes.toJSON(),
        cpuUs: cpu.user + cpu.system,
        compressedConnections: load.compressedConnections,
      };
    }
    case "start":
      return void loaded(message.set).start();
    case "mark":
      return loaded(message.set).mark(message.recording);
    case "stop": {
      const load = loaded(message.set);
      await load.stop();
      return { latency: load.latency.toJSON() };
    }
    case "echoOnce":
      return await loaded(message.set).echoOnce();
    case "stormOpen": {
      storm?.close();
      storm = new StormClient(message.host, message.port);
      return { seconds: await storm.open(message.connections, message.concurrency) };
    }
    case "stormArm":
      return void storm!.arm();
    case "stormWait":
      return await storm!.wait(message.timeoutMs);
    case "stormClose":
      storm?.close();
      storm = undefined;
      return;
    case "close": {
      const load = sets.get(message.set);
      sets.delete(message.set);
      await load?.close();
      return;
    }
  }
}

function loaded(set: string): LoadClient {
  const load = sets.get(set);
  if (!load) throw new Error(`no connections open in set "${set}"`);
  return load;
}

process.on("message", (message: ClientCommand & { id: number }) => {
  handle(message).then(
    (result) => process.send!({ id: message.id, result }),
    (error: Error) => {
      if ("set" in message && message.cmd !== "close") {
        sets.get(message.set)?.destroy();
        sets.delete(message.set);
      }
      process.send!({ id: message.id, error: `${error.name}: ${error.message}` });
    },
  );
});
process.on("disconnect", () => process.exit(0));
