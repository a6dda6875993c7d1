/**
 * A load client process, driven by bench/run.ts over IPC. A process of its own
 * so that its CPU time (process.cpuUsage) is its alone: when it nears one full
 * core the run says the client, not the server, may have been the limit.
 */
import process from "node:process";
import { LoadClient, type LoadSpec } from "./load.ts";

export type ClientCommand =
  | { cmd: "open"; host: string; port: number; spec: LoadSpec; concurrency?: number }
  | { cmd: "start" }
  | { cmd: "mark"; recording: boolean }
  | { cmd: "stop" }
  | { cmd: "echoOnce" }
  | { cmd: "close" };

let load: LoadClient | undefined;

async function handle(message: ClientCommand): Promise<unknown> {
  switch (message.cmd) {
    case "open": {
      load?.destroy();
      load = new LoadClient(message.host, message.port, message.spec);
      const before = process.cpuUsage();
      const seconds = await load.open(message.spec.connections, message.concurrency);
      const cpu = process.cpuUsage(before);
      return { seconds, handshakes: load.handshakes.toJSON(), cpuUs: cpu.user + cpu.system };
    }
    case "start":
      return void loaded().start();
    case "mark":
      return loaded().mark(message.recording);
    case "stop":
      await loaded().stop();
      return { latency: loaded().latency.toJSON() };
    case "echoOnce":
      return await loaded().echoOnce();
    case "close":
      await load?.close();
      load = undefined;
      return;
  }
}

function loaded(): LoadClient {
  if (!load) throw new Error("no connections open");
  return load;
}

process.on("message", (message: ClientCommand & { id: number }) => {
  handle(message).then(
    (result) => process.send!({ id: message.id, result }),
    (error: Error) => {
      load?.destroy();
      load = undefined;
      process.send!({ id: message.id, error: `${error.name}: ${error.message}` });
    },
  );
});
process.on("disconnect", () => process.exit(0));
