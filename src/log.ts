import { LOG_LEVELS, type LogLevel } from "./options.ts";

/** Extra fields of a log line. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Structured logging: one JSON object per line, filtered by level. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * A logger writing at `level` and above to `write` (default: `console.log`),
 * warnings and errors to `writeNow` (default: `write`): with a LogBuffer
 * (./log-buffer.ts), `write` batches and `writeNow` flushes.
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = console.log,
  writeNow: (line: string) => void = write,
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (name: Exclude<LogLevel, "silent">) => {
    if (LOG_LEVELS.indexOf(name) < threshold) return () => {};
    const out = name === "warn" || name === "error" ? writeNow : write;
    return (message: string, fields?: LogFields) => out(logLine(name, message, fields));
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/**
 * One line: `{"time":…,"level":…,"msg":…}` and the fields after them, the JSON
 * of `{ time, level, msg, ...fields }`. Put together from the fields' own JSON
 * rather than a copy of them, which was a tenth of a handshake's JavaScript on
 * Bun with the time's formatting (docs/benchmark-notes.md); fields that would
 * replace time, level or msg take the copy's way, so the line stays the same.
 */
function logLine(level: string, message: string, fields: LogFields | undefined): string {
  if (fields !== undefined && ("time" in fields || "level" in fields || "msg" in fields)) {
    return JSON.stringify({ time: isoNow(), level, msg: message, ...fields });
  }
  const head = `{"time":"${isoNow()}","level":"${level}","msg":${JSON.stringify(message)}`;
  const rest = fields === undefined ? "{}" : JSON.stringify(fields);
  return rest.length === 2 ? `${head}}` : `${head},${rest.slice(1)}`;
}

let lastMs = Number.NaN;
let lastIso = "";

/** The time as ISO 8601, formatted once per millisecond: lines of a burst share their millisecond. */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
