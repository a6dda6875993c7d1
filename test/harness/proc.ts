import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";

/** The processes of a process group (Linux /proc), with their resident memory. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
  rssBytes: number;
}

export function groupProcesses(pgid: number): ProcessInfo[] {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command (which may contain spaces) start after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      found.push({ pid: Number(entry), ppid: Number(fields[1]), command, rssBytes: rssBytes(Number(entry)) });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * The process that serves: npm, sh, `deno task` and the Workers launchers
 * only start others, so it is a leaf of the group's tree; among leaves (wrangler
 * also leaves an esbuild service) the largest, which holds sockets and buffers.
 */
export function serverProcess(pgid: number): ProcessInfo {
  const processes = groupProcesses(pgid);
  const parents = new Set(processes.map((p) => p.ppid));
  const largest = processes.filter((p) => !parents.has(p.pid)).sort((a, b) => b.rssBytes - a.rssBytes)[0];
  if (!largest) throw new Error(`no process left in group ${pgid}`);
  return largest;
}

/** Sends `signal` to every process of the group; a group already gone is fine. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** Signal 0 to a group tells whether any member is left without touching it. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** Whether a process with this pid exists (a zombie counts until its parent reaps it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** The parent of a process, from /proc/<pid>/stat; undefined once it is gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}
