/**
 * TLS (issue 26): a server started with TLS_CERT_FILE and TLS_KEY_FILE (the
 * test-only certificate in test/fixtures/tls) serves https and wss on its one
 * port; every bad value stops the start-up with a message naming the variable
 * and the file. Workers: the launchers refuse the variables (capability `tls`).
 */
import { readFileSync } from "node:fs";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EchoClient } from "./harness/client.ts";
import { within } from "./harness/deadline.ts";
import { httpsGet } from "./harness/https.ts";
import { type ServerProcess, startServer } from "./harness/server-process.ts";
import type { RuntimeUnderTest } from "./runtimes.ts";

const DIR = "test/fixtures/tls";
/** The test CA: the only one the clients here trust. */
export const TEST_CA = readFileSync(`${DIR}/ca.pem`, "utf8");
/** The certificate for 127.0.0.1 (then the CA, as Let's Encrypt's fullchain.pem) and its key. */
export const TLS_ENV = { TLS_CERT_FILE: `${DIR}/fullchain.pem`, TLS_KEY_FILE: `${DIR}/privkey.pem` };

/** Every bad value, and what the start-up says about it. */
const BAD_VALUES: [string, Record<string, string>, RegExp][] = [
  ["TLS_CERT_FILE alone", { TLS_CERT_FILE: TLS_ENV.TLS_CERT_FILE }, /TLS_KEY_FILE must be set too/],
  ["TLS_KEY_FILE alone", { TLS_KEY_FILE: TLS_ENV.TLS_KEY_FILE }, /TLS_CERT_FILE must be set too/],
  [
    "a missing certificate file",
    { ...TLS_ENV, TLS_CERT_FILE: `${DIR}/missing.pem` },
    /TLS_CERT_FILE: cannot read "test\/fixtures\/tls\/missing.pem"/,
  ],
  [
    "a missing key file",
    { ...TLS_ENV, TLS_KEY_FILE: `${DIR}/missing-key.pem` },
    /TLS_KEY_FILE: cannot read "test\/fixtures\/tls\/missing-key.pem"/,
  ],
  [
    "a certificate file that is not PEM",
    { ...TLS_ENV, TLS_CERT_FILE: `${DIR}/README.md` },
    /TLS_CERT_FILE: "test\/fixtures\/tls\/README.md" holds no PEM certificate/,
  ],
  [
    "a key file that is not PEM",
    { ...TLS_ENV, TLS_KEY_FILE: `${DIR}/README.md` },
    /TLS_KEY_FILE: "test\/fixtures\/tls\/README.md": it holds no PEM private key/,
  ],
  [
    "a key that is not the certificate's",
    { ...TLS_ENV, TLS_KEY_FILE: `${DIR}/other-key.pem` },
    /TLS_KEY_FILE: "test\/fixtures\/tls\/other-key.pem" is not the private key of the certificate in TLS_CERT_FILE/,
  ],
];

export function describeTls(rt: RuntimeUnderTest): void {
  if (!rt.capabilities.tls) {
    describe("TLS: refused by the Workers launchers (Cloudflare terminates TLS)", () => {
      test.each(["TLS_CERT_FILE", "TLS_KEY_FILE"] as const)("%s stops the start-up, naming it", async (name) => {
        const start = startServer(rt.script, { env: { [name]: TLS_ENV[name] }, readyTimeoutMs: rt.readyTimeoutMs });
        await expect(start).rejects.toThrow(
          new RegExp(`${name} is not used on Workers: Cloudflare terminates TLS.*--local-protocol https`),
        );
      }, 120_000);
    });
    return;
  }

  describe("TLS: https and wss on one port (TLS_CERT_FILE, TLS_KEY_FILE)", () => {
    let server: ServerProcess;
    const wss = () => `wss://127.0.0.1:${server.port}/ws`;

    beforeAll(async () => {
      server = await startServer(rt.script, { env: TLS_ENV, ca: TEST_CA, readyTimeoutMs: rt.readyTimeoutMs });
    }, 120_000);
    afterAll(() => server?.stop(), 30_000);

    test("the ready line says https; /healthz and the page answer over https", async () => {
      expect(server.output()).toContain(`listening on https://127.0.0.1:${server.port}`);
      const health = await httpsGet(`${server.origin}/healthz`, TEST_CA);
      expect([health.status, JSON.parse(health.body).runtime]).toEqual([200, rt.runtime]);
      const page = await httpsGet(`${server.origin}/`, TEST_CA);
      expect(page.status).toBe(200);
      expect(page.body).toContain("<title>");
    });

    test("wss echoes text and binary, and closes with the client's code", async () => {
      const client = await EchoClient.open(wss(), { ca: TEST_CA });
      client.send("over TLS ✓");
      client.send(new Uint8Array([0, 1, 254, 255]));
      const text = await client.next(5_000, "the text echo over wss");
      const binary = await client.next(5_000, "the binary echo over wss");
      expect([text.binary, text.data.toString()]).toEqual([false, "over TLS ✓"]);
      expect([binary.binary, [...binary.data]]).toEqual([true, [0, 1, 254, 255]]);
      expect(await client.close(4000, "bye")).toEqual({ code: 4000, reason: "bye" });
    });

    test("it is the configured certificate: a client that does not trust the test CA is refused", async () => {
      await expect(EchoClient.open(wss())).rejects.toThrow(/certificate/i);
      // And no plain http on the TLS port.
      const plain = await fetch(`http://127.0.0.1:${server.port}/healthz`, { signal: AbortSignal.timeout(5_000) })
        .then((response) => response.status, () => "refused");
      expect(plain).not.toBe(200);
    });

    test(`ALPN: ${rt.capabilities.tlsHttp2 ? "h2 offered (the page may come over HTTP/2)" : "HTTP/1.1 only"}`, async () => {
      const socket = connect({ host: "127.0.0.1", port: server.port, ca: TEST_CA, ALPNProtocols: ["h2", "http/1.1"] });
      try {
        await within(
          5_000,
          "the TLS handshake",
          new Promise((resolve, reject) => {
            socket.once("secureConnect", resolve);
            socket.once("error", reject);
          }),
        );
        // No ALPN answer (false) means HTTP/1.1 too.
        expect(socket.alpnProtocol || "http/1.1").toBe(rt.capabilities.tlsHttp2 ? "h2" : "http/1.1");
      } finally {
        socket.destroy();
      }
    });
  });

  describe("TLS: a bad value stops the start-up, naming the variable and the file", () => {
    test.each(BAD_VALUES)("%s", async (_, env, message) => {
      await expect(startServer(rt.script, { env, ca: TEST_CA, readyTimeoutMs: rt.readyTimeoutMs })).rejects.toThrow(
        message,
      );
    }, 120_000);
  });
}
