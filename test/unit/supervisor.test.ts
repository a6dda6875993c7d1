import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createLogger } from "../../src/log.ts";
import { DEFAULT_OPTIONS, OptionError } from "../../src/options.ts";
import {
  clusterRole,
  connectionShare,
  CRASH_WINDOW_MS,
  processLogger,
  resolveWorkers,
  STOP_BUDGET_MS,
  Supervisor,
  type SupervisorHost,
  WORKER_ENV,
} from "../../src/supervisor.ts";

/** A host whose workers are plain records: what was spawned, signalled, printed and how it ended. */
function fakeHost({ sharesPortZero = false } = {}) {
  let nextPid = 100;
  const spawned: { index: number; port: number; pid: number; signals: string[] }[] = [];
  const host = {
    sharesPortZero,
    lines: [] as number[],
    exits: [] as number[],
    spawned,
    spawn(index: number, port: number) {
      const record = { index, port, pid: nextPid++, signals: [] as string[] };
      spawned.push(record);
      return { pid: record.pid, signal: (signal: string) => void record.signals.push(signal) };
    },
    listening(port: number) {
      host.lines.push(port);
    },
    exit(code: number) {
      host.exits.push(code);
    },
  } satisfies SupervisorHost & Record<string, unknown>;
  return host;
}

const silent = createLogger("silent");

function supervisor(workers: number, port = 8080, options: { sharesPortZero?: boolean } = {}) {
  const host = fakeHost(options);
  const failures: string[] = [];
  const s = new Supervisor(host, { workers, port, log: silent, fail: (m) => failures.push(m) });
  return { host, s, failures };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("start-up", () => {
  test("starts every worker on the port, and prints one ready line once all listen", () => {
    const { host, s } = supervisor(3);
    s.start();
    expect(host.spawned.map((w) => [w.index, w.port])).toEqual([[0, 8080], [1, 8080], [2, 8080]]);
    s.ready(0, 8080);
    s.ready(2, 8080);
    expect(host.lines).toEqual([]);
    s.ready(1, 8080);
    expect(host.lines).toEqual([8080]);
    // A replacement listening later prints nothing more.
    s.exited(1, { code: null, signal: "SIGKILL" });
    s.ready(1, 8080);
    expect(host.lines).toEqual([8080]);
  });

  test("port 0 with SO_REUSEPORT: the first worker picks the port, the others join it", () => {
    const { host, s } = supervisor(2, 0);
    s.start();
    expect(host.spawned.map((w) => w.port)).toEqual([0]);
    s.ready(0, 41234);
    expect(host.spawned.map((w) => w.port)).toEqual([0, 41234]);
    s.ready(1, 41234);
    expect(host.lines).toEqual([41234]);
  });

  test("port 0 with a shared handle (node:cluster): every worker at once", () => {
    const { host, s } = supervisor(2, 0, { sharesPortZero: true });
    s.start();
    expect(host.spawned.map((w) => w.port)).toEqual([0, 0]);
  });
});

describe("supervision", () => {
  test("a dead worker is replaced at once, with its index, on the same port", () => {
    const { host, s } = supervisor(2);
    s.start();
    s.ready(0, 8080);
    s.ready(1, 8080);
    s.exited(0, { code: null, signal: "SIGKILL" });
    // No timer between the death and the new process: the replacement is synchronous.
    expect(host.spawned.map((w) => [w.index, w.port])).toEqual([[0, 8080], [1, 8080], [0, 8080]]);
    expect(s.pids.sort()).toEqual([101, 102]);
    expect(host.exits).toEqual([]);
  });

  test("2 × WORKERS deaths in 10 s are tolerated; one more stops the server with exit 1 and a message", () => {
    const { host, s, failures } = supervisor(2);
    s.start();
    for (let i = 0; i < 4; i++) {
      s.exited(i % 2, { code: 1, signal: null });
      vi.advanceTimersByTime(1_000);
    }
    expect(host.exits).toEqual([]);
    expect(host.spawned).toHaveLength(6);
    s.exited(0, { code: 1, signal: null });
    expect(failures).toEqual([
      "ws-echo: 5 worker deaths within 10 s (more than 2 × WORKERS = 4); stopping the server",
    ]);
    // No replacement; the survivor is asked to stop, and the primary exits 1 once it is gone.
    expect(host.spawned).toHaveLength(6);
    const survivor = host.spawned.find((w) => w.index === 1 && w.signals.length > 0)!;
    expect(survivor.signals).toEqual(["SIGTERM"]);
    s.exited(1, { code: 0, signal: null });
    expect(host.exits).toEqual([1]);
  });

  test("deaths older than the window do not count", () => {
    const { host, s } = supervisor(1);
    s.start();
    s.exited(0, { code: 1, signal: null });
    s.exited(0, { code: 1, signal: null });
    vi.advanceTimersByTime(CRASH_WINDOW_MS);
    s.exited(0, { code: 1, signal: null });
    s.exited(0, { code: 1, signal: null });
    expect(host.exits).toEqual([]);
    expect(host.spawned).toHaveLength(5);
  });

  test("a worker that cannot be started stops the server with exit 1", () => {
    const host = fakeHost();
    const failures: string[] = [];
    const s = new Supervisor({
      ...host,
      spawn: () => {
        throw new Error("permission denied");
      },
    }, { workers: 2, port: 8080, log: silent, fail: (m) => failures.push(m) });
    s.start();
    expect(failures[0]).toBe("ws-echo: could not start worker 0: permission denied");
    expect(host.exits).toEqual([1]);
  });
});

describe("stopping", () => {
  test("SIGTERM reaches every worker once; the primary exits 0 when the last is gone, replacing none", () => {
    const { host, s } = supervisor(2);
    s.start();
    s.stop();
    s.stop();
    expect(host.spawned.map((w) => w.signals)).toEqual([["SIGTERM"], ["SIGTERM"]]);
    s.exited(0, { code: 0, signal: null });
    expect(host.exits).toEqual([]);
    s.exited(1, { code: 0, signal: null });
    expect(host.exits).toEqual([0]);
    expect(host.spawned).toHaveLength(2);
  });

  test("a worker still there when the budget is over gets SIGKILL; the primary exits even without its report", () => {
    const { host, s } = supervisor(2);
    s.start();
    s.stop();
    s.exited(0, { code: 0, signal: null });
    vi.advanceTimersByTime(STOP_BUDGET_MS - 1);
    expect(host.spawned[1]!.signals).toEqual(["SIGTERM"]);
    vi.advanceTimersByTime(1);
    expect(host.spawned[1]!.signals).toEqual(["SIGTERM", "SIGKILL"]);
    expect(host.exits).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(host.exits).toEqual([0]);
    // A late report changes nothing.
    s.exited(1, { code: null, signal: "SIGKILL" });
    expect(host.exits).toEqual([0]);
  });
});

describe("WORKERS and MAX_CONNECTIONS", () => {
  test("auto is the CPUs this process may use, at most 256", () => {
    expect(resolveWorkers({ workers: "auto", maxConnections: 20_000 }, 16)).toBe(16);
    expect(resolveWorkers({ workers: "auto", maxConnections: 20_000 }, 1_000)).toBe(256);
    expect(resolveWorkers({ workers: 3, maxConnections: 20_000 }, 16)).toBe(3);
  });

  test("MAX_CONNECTIONS below WORKERS is a start-up error naming both", () => {
    expect(() => resolveWorkers({ workers: 4, maxConnections: 3 }, 2)).toThrow(OptionError);
    expect(() => resolveWorkers({ workers: "auto", maxConnections: 3 }, 4)).toThrow(
      "MAX_CONNECTIONS (3) must be at least WORKERS (4): each worker gets a share",
    );
  });

  test.each([[3, 2], [20_000, 3], [7, 7], [10, 4], [1_000_000, 256]])(
    "MAX_CONNECTIONS=%i over %i workers: shares differ by at most one and add up exactly",
    (total, workers) => {
      const shares = Array.from({ length: workers }, (_, i) => connectionShare(total, workers, i));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      expect(Math.min(...shares)).toBeGreaterThanOrEqual(1);
    },
  );

  test("roles: alone with WORKERS=1, primary without the marker, worker i with its share", () => {
    const options = { ...DEFAULT_OPTIONS, maxConnections: 3, workers: 2 };
    expect(clusterRole({ ...options, workers: 1 }, { [WORKER_ENV]: "0" }, 2, 7)).toMatchObject({
      primary: false,
      index: undefined,
      workers: 1,
      health: { pid: 7, workers: 1, maxConnections: 3 },
    });
    expect(clusterRole(options, {}, 2, 7)).toMatchObject({ primary: true, index: undefined, workers: 2 });
    const first = clusterRole(options, { [WORKER_ENV]: "0" }, 2, 8);
    const second = clusterRole(options, { [WORKER_ENV]: "1" }, 2, 9);
    expect([first.primary, first.index, first.options.maxConnections]).toEqual([false, 0, 2]);
    expect([second.primary, second.index, second.options.maxConnections]).toEqual([false, 1, 1]);
    expect(second.health).toEqual({ pid: 9, workers: 2, maxConnections: 1 });
  });

  test("with workers every log line names its process; alone, the logger is unchanged", () => {
    const lines: string[] = [];
    const log = createLogger("info", (line) => lines.push(line));
    const options = { ...DEFAULT_OPTIONS, workers: 2 };
    expect(processLogger(log, clusterRole({ ...options, workers: 1 }, {}, 2, 7))).toBe(log);
    processLogger(log, clusterRole(options, { [WORKER_ENV]: "1" }, 2, 9)).info("hello", { a: 1 });
    processLogger(log, clusterRole(options, {}, 2, 7)).warn("primary");
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "hello", pid: 9, worker: 1, a: 1 });
    expect(JSON.parse(lines[1]!)).toMatchObject({ msg: "primary", pid: 7 });
    expect(JSON.parse(lines[1]!).worker).toBeUndefined();
  });
});
