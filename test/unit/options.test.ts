import { expect, test } from "vitest";
import { DEFAULT_OPTIONS, readOptions } from "../../src/options.ts";

test("an empty environment gives the documented defaults", () => {
  expect(readOptions({})).toEqual(DEFAULT_OPTIONS);
  expect(DEFAULT_OPTIONS).toEqual({
    keepAliveInterval: 30_000,
    keepAliveTimeout: 20_000,
    maxMessageSize: 16 * 1024 * 1024,
    allowedOrigins: [],
    subprotocols: [],
    maxConnections: 20_000,
    logLevel: "info",
    workers: 1,
  });
});

test("every variable is read", () => {
  expect(readOptions({
    KEEP_ALIVE_INTERVAL_MS: "200",
    KEEP_ALIVE_TIMEOUT_MS: "100",
    MAX_MESSAGE_BYTES: "1024",
    ALLOWED_ORIGINS: "https://A.example:443/, http://localhost:8080",
    SUBPROTOCOLS: "chat.v2, chat",
    MAX_CONNECTIONS: "3",
    LOG_LEVEL: "warn",
    WORKERS: "4",
  })).toEqual({
    keepAliveInterval: 200,
    keepAliveTimeout: 100,
    maxMessageSize: 1024,
    allowedOrigins: ["https://a.example", "http://localhost:8080"],
    subprotocols: ["chat.v2", "chat"],
    maxConnections: 3,
    logLevel: "warn",
    workers: 4,
  });
});

test.each([
  ["KEEP_ALIVE_INTERVAL_MS", "-1", /KEEP_ALIVE_INTERVAL_MS must be an integer from 0 to 86400000/],
  ["KEEP_ALIVE_TIMEOUT_MS", "1.5", /KEEP_ALIVE_TIMEOUT_MS must be an integer from 0 to 86400000/],
  ["MAX_MESSAGE_BYTES", "0", /MAX_MESSAGE_BYTES must be an integer from 1 to 1073741824/],
  ["MAX_CONNECTIONS", "lots", /MAX_CONNECTIONS must be an integer from 1 to 1000000/],
  ["LOG_LEVEL", "loud", /LOG_LEVEL must be one of debug, info, warn, error, silent/],
  ["ALLOWED_ORIGINS", "example.com", /ALLOWED_ORIGINS must list origins like https:\/\/example.com/],
  ["SUBPROTOCOLS", "a b", /SUBPROTOCOLS must be comma-separated tokens/],
  ["WORKERS", "0", /WORKERS must be an integer from 1 to 256 or "auto", got "0"/],
  ["WORKERS", "257", /WORKERS must be an integer from 1 to 256 or "auto"/],
  ["WORKERS", "2.5", /WORKERS must be an integer from 1 to 256 or "auto"/],
  ["WORKERS", "Auto", /WORKERS must be an integer from 1 to 256 or "auto"/],
])("%s=%j fails, naming the option and what it accepts", (name, value, message) => {
  expect(() => readOptions({ [name]: value })).toThrow(message);
});

test("WORKERS: 1 to 256, or auto", () => {
  expect(readOptions({ WORKERS: "1" }).workers).toBe(1);
  expect(readOptions({ WORKERS: " 256 " }).workers).toBe(256);
  expect(readOptions({ WORKERS: "auto" }).workers).toBe("auto");
  expect(readOptions({ WORKERS: "" }).workers).toBe(1);
});
