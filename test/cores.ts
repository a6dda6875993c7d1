/**
 * WORKERS (issue 24): N serving processes under one primary on Node, Deno and
 * Bun, started by the same npm script with WORKERS=2. Which process answered
 * is told by /healthz (`pid`); the process tree is read from /proc. On Workers
 * the platform places isolates: WORKERS is accepted and ignored (pinned).
 */
import process from "node:process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { until, within } from "./harness/deadline.ts";
import { groupProcesses, parentPid, processAlive } from "./harness/proc.ts";
import { get, rawRequest, RawWebSocket } from "./harness/raw.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

interface Health {
  connections: number;
  pid?: number;
  workers?: number;
  maxConnections?: number;
}

/** /healthz over a connection of its own (`Connection: close`), so each call may reach another worker. */
async function health(port: number): Promise<Health> {
  const response = await rawRequest(port, get("/healthz"));
  expect(response.status, response.body).toBe(200);
  return JSON.parse(response.body) as Health;
}

/**
 * The latest /healthz of every worker, asked over fresh connections until
 * `done` holds for what was seen (the kernel or the primary picks the worker;
 * neither can be aimed at).
 */
async function perWorker(
  port: number,
  what: string,
  done: (seen: Map<number, Health>) => boolean,
  ms = 15_000,
): Promise<Map<number, Health>> {
  const seen = new Map<number, Health>();
  await until(ms, what, async () => {
    const answer = await health(port);
    seen.set(answer.pid!, answer);
    return done(seen);
  }, 10);
  return seen;
}

const sum = (seen: Map<number, Health>, pids: Iterable<number> = seen.keys()) =>
  [...pids].reduce((total, pid) => total + (seen.get(pid)?.connections ?? 0), 0);

/** Opens `count` WebSockets, `batch` at a time. */
async function openMany(url: string, count: number, batch = 25): Promise<EchoClient[]> {
  const clients: EchoClient[] = [];
  for (let i = 0; i < count; i += batch) {
    clients.push(...await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => EchoClient.open(url))));
  }
  return clients;
}

async function echoes(clients: EchoClient[], tag: string): Promise<void> {
  await Promise.all(clients.map(async (client, i) => {
    client.send(`${tag} ${i}`);
    expect((await client.next(10_000, `the echo of ${tag} ${i}`)).data.toString()).toBe(`${tag} ${i}`);
  }));
}

export function describeCores(rt: RuntimeUnderTest): void {
  if (!rt.capabilities.workerProcesses) {
    test(
      "WORKERS=2 is accepted and ignored: the platform places isolates (no pid, no workers in /healthz)",
      async () => {
        const server = await startServer(rt.script, { env: { WORKERS: "2" }, readyTimeoutMs: rt.readyTimeoutMs });
        try {
          const answer = await health(server.port);
          expect(answer.pid).toBeUndefined();
          expect(answer.workers).toBeUndefined();
          const client = await EchoClient.open(`ws://127.0.0.1:${server.port}/ws`);
          await echoes([client], "isolate");
          client.terminate();
        } finally {
          await server.stop();
        }
      },
      180_000,
    );
    return;
  }

  describe("WORKERS", () => {
    test("a bad WORKERS value, or MAX_CONNECTIONS below it, stops the start-up naming the variable", async () => {
      await expect(startServer(rt.script, { env: { WORKERS: "lots" } })).rejects.toThrow(
        /WORKERS must be an integer from 1 to 256 or "auto", got "lots"/,
      );
      await expect(startServer(rt.script, { env: { WORKERS: "2", MAX_CONNECTIONS: "1" } })).rejects.toThrow(
        /MAX_CONNECTIONS \(1\) must be at least WORKERS \(2\)/,
      );
    }, 120_000);

    test("WORKERS=1 (the default) is one process, as before: the one answering has no child", async () => {
      const server = await startServer(rt.script, { env: { WORKERS: "1" } });
      try {
        const answer = await health(server.port);
        expect(answer).toMatchObject({ workers: 1, maxConnections: 20_000 });
        expect(groupProcesses(server.pid).filter((p) => p.ppid === answer.pid)).toEqual([]);
        expect(server.output().match(/listening on/g)).toHaveLength(1);
      } finally {
        await server.stop();
      }
    }, 120_000);

    test(
      "MAX_CONNECTIONS=3 over WORKERS=2: the shares add up to 3, and the server as a whole never takes a 4th",
      async () => {
        const server = await startServer(rt.script, { env: { WORKERS: "2", MAX_CONNECTIONS: "3", LOG_LEVEL: "warn" } });
        const sockets: RawWebSocket[] = [];
        try {
          const seen = await perWorker(server.port, "both workers to answer /healthz", (s) => s.size === 2);
          expect([...seen.values()].map((h) => h.maxConnections).sort()).toEqual([1, 2]);
          // Static split: a worker whose share is taken says 503 even if the other has room.
          let accepted = 0;
          for (let i = 0; i < 12; i++) {
            const { head, socket } = await RawWebSocket.open(server.port);
            sockets.push(socket);
            if (head.status === 101) accepted++;
            else {
              expect(head.status).toBe(503);
              expect(head.headers["retry-after"]).toBe("5");
            }
          }
          console.log(`${rt.label}: MAX_CONNECTIONS=3, WORKERS=2: ${accepted} of 12 handshakes accepted`);
          expect(accepted).toBeGreaterThanOrEqual(1);
          expect(accepted).toBeLessThanOrEqual(3);
        } finally {
          for (const socket of sockets) socket.destroy();
          await server.stop();
        }
      },
      120_000,
    );

    describe("WORKERS=2", () => {
      let server: ServerProcess;
      const ws = () => `ws://127.0.0.1:${server.port}/ws`;
      beforeAll(async () => {
        server = await startServer(rt.script, { env: { WORKERS: "2", LOG_LEVEL: "warn" } });
      }, 120_000);
      afterAll(() => server?.stop(), 30_000);

      test("one ready line; over 200 fresh connections two pids answer, and all 200 WebSockets echo", async () => {
        expect(server.output().match(/listening on/g)).toHaveLength(1);
        const pids = new Map<number, number>();
        for (let i = 0; i < 200; i++) {
          const answer = await health(server.port);
          expect(answer.workers).toBe(2);
          pids.set(answer.pid!, (pids.get(answer.pid!) ?? 0) + 1);
        }
        console.log(`${rt.label}: 200 /healthz over fresh connections by pid: ${JSON.stringify([...pids])}`);
        expect(pids.size).toBe(2);

        const clients = await openMany(ws(), 200);
        await echoes(clients, "fresh");
        const seen = await perWorker(
          server.port,
          "both workers to count the 200 WebSockets between them",
          (s) => s.size === 2 && sum(s) === 200,
        );
        console.log(
          `${rt.label}: 200 WebSockets by pid: ${JSON.stringify([...seen].map(([p, h]) => [p, h.connections]))}`,
        );
        for (const answer of seen.values()) expect(answer.connections).toBeGreaterThan(0);
        await Promise.all(clients.map((c) => c.close(1000)));
      }, 120_000);

      test("SIGKILL of one worker: the other's WebSockets keep echoing, and a new pid takes its place", async () => {
        await perWorker(server.port, "no open WebSocket left", (s) => s.size === 2 && sum(s) === 0);
        const clients = await openMany(ws(), 40);
        const before = await perWorker(
          server.port,
          "both workers to count the 40 WebSockets",
          (s) => s.size === 2 && sum(s) === 40,
        );
        const [victim, survivor] = [...before.keys()] as [number, number];
        const kept = before.get(survivor)!.connections;
        const killedAt = Date.now();
        process.kill(victim, "SIGKILL");

        const closed = new Set<EchoClient>();
        for (const client of clients) void client.closed.then(() => closed.add(client));
        await until(10_000, `the ${40 - kept} WebSockets of the killed worker to end`, () => closed.size === 40 - kept);
        const alive = clients.filter((c) => !closed.has(c));
        expect(alive).toHaveLength(kept);
        await echoes(alive, "survivor");

        const after = await perWorker(
          server.port,
          "a new worker to answer in place of the killed one",
          (s) => [...s.keys()].some((pid) => pid !== victim && pid !== survivor),
        );
        console.log(`${rt.label}: a new worker answered ${Date.now() - killedAt} ms after the SIGKILL`);
        expect(processAlive(victim)).toBe(false);
        const replacement = [...after.keys()].find((pid) => pid !== victim && pid !== survivor)!;
        expect(parentPid(replacement)).toBe(parentPid(survivor));
        // The survivors still echo once the replacement takes connections.
        await echoes(alive, "after replacement");
        const fresh = await openMany(ws(), 10);
        await echoes(fresh, "fresh after replacement");
        for (const client of [...alive, ...fresh]) client.terminate();
      }, 120_000);

      test(
        "SIGTERM to the process that was started: every client gets 1001, exit 0, and no process is left",
        async () => {
          await perWorker(server.port, "no open WebSocket left", (s) => s.size === 2 && sum(s) === 0);
          const clients = await openMany(ws(), 20);
          const seen = await perWorker(
            server.port,
            "both workers to count the 20",
            (s) => s.size === 2 && sum(s) === 20,
          );
          const workers = [...seen.keys()];
          const primary = parentPid(workers[0]!)!;
          expect(parentPid(workers[1]!)).toBe(primary);
          const tree = [
            primary,
            ...groupProcesses(server.pid).filter((p) => p.ppid === primary).map((p) => p.pid),
          ];
          expect(tree).toHaveLength(3);

          process.kill(primary, "SIGTERM");
          const closes = await within(15_000, "every client's close", Promise.all(clients.map((c) => c.closed)));
          expect(closes.map((c) => c.code)).toEqual(clients.map(() => 1001));
          const exit = await within(15_000, "the npm process to exit", server.exited);
          expect(exit.code).toBe(0);
          await until(
            10_000,
            `the primary and both workers (${tree.join(", ")}) to be gone`,
            () => tree.every((pid) => !processAlive(pid)),
          );
          await until(10_000, "no process left in the server's group", () => groupProcesses(server.pid).length === 0);
        },
        60_000,
      );
    });
  });
}
