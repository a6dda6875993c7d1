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

/** A logger writing at `level` and above to `write` (default: `console.log`). */
export function createLogger(level: LogLevel, write: (line: string) => void = console.log): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (name: Exclude<LogLevel, "silent">) =>
    LOG_LEVELS.indexOf(name) < threshold
      ? () => {}
      : (message: string, fields?: LogFields) =>
        write(JSON.stringify({ time: new Date().toISOString(), level: name, msg: message, ...fields }));
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
