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
    return (message: string, fields?: LogFields) =>
      out(JSON.stringify({ time: new Date().toISOString(), level: name, msg: message, ...fields }));
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
