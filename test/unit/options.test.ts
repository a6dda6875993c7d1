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
    metrics: true,
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
    METRICS: "off",
    METRICS_TOKEN: "s3cret-Token_~+/==",
  })).toEqual({
    keepAliveInterval: 200,
    keepAliveTimeout: 100,
    maxMessageSize: 1024,
    allowedOrigins: ["https://a.example", "http://localhost:8080"],
    subprotocols: ["chat.v2", "chat"],
    maxConnections: 3,
    logLevel: "warn",
    metrics: false,
    metricsToken: "s3cret-Token_~+/==",
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
  ["METRICS", "yes", /METRICS must be on or off, got "yes"/],
  ["METRICS_TOKEN", "two words", /METRICS_TOKEN must be a bearer token/],
  ["METRICS_TOKEN", "=abc", /METRICS_TOKEN must be a bearer token/],
])("%s=%j fails, naming the option and what it accepts", (name, value, message) => {
  expect(() => readOptions({ [name]: value })).toThrow(message);
});

test("METRICS=on keeps /metrics; an unset METRICS_TOKEN leaves it open", () => {
  const options = readOptions({ METRICS: "on" });
  expect(options.metrics).toBe(true);
  expect(options.metricsToken).toBeUndefined();
});
