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
    maxConnectionsPerClient: 0,
    trustedProxies: [],
    handshakeTimeout: 10_000,
    maxMessagesPerSecond: 0,
    idleTimeout: 0,
    workers: 1,
    compression: false,
    compressionThreshold: 1024,
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
    MAX_CONNECTIONS_PER_CLIENT: "5",
    TRUSTED_PROXIES: "10.0.0.0/8, ::1, 2001:db8::/32",
    HANDSHAKE_TIMEOUT_MS: "500",
    MAX_MESSAGES_PER_SECOND: "100",
    IDLE_TIMEOUT_MS: "60000",
    WORKERS: "4",
    COMPRESSION: "on",
    COMPRESSION_THRESHOLD_BYTES: "0",
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
    maxConnectionsPerClient: 5,
    trustedProxies: ["10.0.0.0/8", "::1", "2001:db8::/32"],
    handshakeTimeout: 500,
    maxMessagesPerSecond: 100,
    idleTimeout: 60_000,
    workers: 4,
    compression: true,
    compressionThreshold: 0,
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
  ["MAX_CONNECTIONS_PER_CLIENT", "-1", /MAX_CONNECTIONS_PER_CLIENT must be an integer from 0 to 1000000, got "-1"/],
  ["MAX_CONNECTIONS_PER_CLIENT", "five", /MAX_CONNECTIONS_PER_CLIENT must be an integer from 0 to 1000000/],
  ["MAX_CONNECTIONS_PER_CLIENT", "1000001", /MAX_CONNECTIONS_PER_CLIENT must be an integer from 0 to 1000000/],
  ["HANDSHAKE_TIMEOUT_MS", "0", /HANDSHAKE_TIMEOUT_MS must be an integer from 1 to 3600000, got "0"/],
  ["HANDSHAKE_TIMEOUT_MS", "10s", /HANDSHAKE_TIMEOUT_MS must be an integer from 1 to 3600000/],
  ["HANDSHAKE_TIMEOUT_MS", "3600001", /HANDSHAKE_TIMEOUT_MS must be an integer from 1 to 3600000/],
  ["MAX_MESSAGES_PER_SECOND", "2.5", /MAX_MESSAGES_PER_SECOND must be an integer from 0 to 1000000, got "2.5"/],
  ["MAX_MESSAGES_PER_SECOND", "1e3", /MAX_MESSAGES_PER_SECOND must be an integer from 0 to 1000000/],
  ["IDLE_TIMEOUT_MS", "-5", /IDLE_TIMEOUT_MS must be an integer from 0 to 86400000, got "-5"/],
  ["IDLE_TIMEOUT_MS", "86400001", /IDLE_TIMEOUT_MS must be an integer from 0 to 86400000/],
  ["COMPRESSION", "true", /COMPRESSION must be on or off, got "true"/],
  [
    "COMPRESSION_THRESHOLD_BYTES",
    "1k",
    /COMPRESSION_THRESHOLD_BYTES must be an integer from 0 to 1073741824, got "1k"/,
  ],
  [
    "TRUSTED_PROXIES",
    "10.0.0.0/8, proxy.internal",
    /TRUSTED_PROXIES must list IP addresses or CIDR ranges .*got "proxy.internal"/,
  ],
  ["TRUSTED_PROXIES", "10.0.0.0/33", /TRUSTED_PROXIES must list IP addresses or CIDR ranges .*got "10.0.0.0\/33"/],
  ["TRUSTED_PROXIES", "256.1.1.1", /TRUSTED_PROXIES must list .*got "256.1.1.1"/],
  ["TRUSTED_PROXIES", "fd00::/129", /TRUSTED_PROXIES must list .*got "fd00::\/129"/],
  ["TRUSTED_PROXIES", "10.0.0.0/", /TRUSTED_PROXIES must list .*got "10.0.0.0\/"/],
  ["WORKERS", "0", /WORKERS must be an integer from 1 to 256 or "auto", got "0"/],
  ["WORKERS", "257", /WORKERS must be an integer from 1 to 256 or "auto"/],
  ["WORKERS", "2.5", /WORKERS must be an integer from 1 to 256 or "auto"/],
  ["WORKERS", "Auto", /WORKERS must be an integer from 1 to 256 or "auto"/],
])("%s=%j fails, naming the option and what it accepts", (name, value, message) => {
  expect(() => readOptions({ [name]: value })).toThrow(message);
});

test("METRICS=on keeps /metrics; an unset METRICS_TOKEN leaves it open", () => {
  const options = readOptions({ METRICS: "on" });
  expect(options.metrics).toBe(true);
  expect(options.metricsToken).toBeUndefined();
});

test("WORKERS: 1 to 256, or auto", () => {
  expect(readOptions({ WORKERS: "1" }).workers).toBe(1);
  expect(readOptions({ WORKERS: " 256 " }).workers).toBe(256);
  expect(readOptions({ WORKERS: "auto" }).workers).toBe("auto");
  expect(readOptions({ WORKERS: "" }).workers).toBe(1);
});

test("COMPRESSION=off is the default and declines; COMPRESSION=on keeps the default threshold", () => {
  expect(readOptions({ COMPRESSION: "off" }).compression).toBe(false);
  expect(readOptions({ COMPRESSION: " on " })).toMatchObject({ compression: true, compressionThreshold: 1024 });
});
