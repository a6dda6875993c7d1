import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { OptionError } from "../../src/options.ts";
import { readTlsFiles } from "../../src/tls.ts";

const DIR = "test/fixtures/tls";
const CERT = `${DIR}/fullchain.pem`;
const KEY = `${DIR}/privkey.pem`;
const reader = { readTextFile: (path: string) => readFileSync(path, "utf8"), X509Certificate, createPrivateKey };
/** Files by path, as a reader: what each case's files hold. */
const files = (contents: Record<string, string>) => ({
  ...reader,
  readTextFile: (path: string) => {
    if (path in contents) return contents[path]!;
    throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  },
});
const read = (env: Record<string, string | undefined>, r = reader) => () => readTlsFiles(env, r);

test("neither set (or both empty): no TLS", () => {
  expect(readTlsFiles({}, reader)).toBeUndefined();
  expect(readTlsFiles({ TLS_CERT_FILE: " ", TLS_KEY_FILE: "" }, reader)).toBeUndefined();
});

test("a certificate chain and its key (Let's Encrypt's fullchain.pem and privkey.pem) are read as they are", () => {
  expect(readTlsFiles({ TLS_CERT_FILE: CERT, TLS_KEY_FILE: ` ${KEY} ` }, reader)).toEqual({
    cert: readFileSync(CERT, "utf8"),
    key: readFileSync(KEY, "utf8"),
  });
});

test("the test certificate is valid for decades yet, for 127.0.0.1", () => {
  const certificate = new X509Certificate(readFileSync(CERT, "utf8"));
  expect(new Date(certificate.validTo).getFullYear()).toBeGreaterThanOrEqual(2099);
  expect(certificate.checkIP("127.0.0.1")).toBe("127.0.0.1");
});

describe("a bad value stops the start-up naming the variable and the file", () => {
  test.each([
    [
      { TLS_CERT_FILE: CERT },
      /^TLS_KEY_FILE must be set too: TLS needs both TLS_CERT_FILE and TLS_KEY_FILE \(".*fullchain/,
    ],
    [{ TLS_KEY_FILE: KEY, TLS_CERT_FILE: " " }, /^TLS_CERT_FILE must be set too: .*\(".*privkey.pem"\)/],
  ])("only one set: %o", (env, message) => {
    expect(read(env)).toThrow(OptionError);
    expect(read(env)).toThrow(message);
  });

  test("a file that is missing, or cannot be read (a directory)", () => {
    expect(read({ TLS_CERT_FILE: `${DIR}/missing.pem`, TLS_KEY_FILE: KEY })).toThrow(
      /^TLS_CERT_FILE: cannot read "test\/fixtures\/tls\/missing.pem": ENOENT/,
    );
    expect(read({ TLS_CERT_FILE: CERT, TLS_KEY_FILE: DIR })).toThrow(
      /^TLS_KEY_FILE: cannot read "test\/fixtures\/tls": EISDIR/,
    );
  });

  test("no PEM in a file", () => {
    const r = files({ "c.pem": "not a certificate\n", "k.pem": readFileSync(KEY, "utf8"), "x.pem": "\u0000\u0001" });
    expect(read({ TLS_CERT_FILE: "c.pem", TLS_KEY_FILE: "k.pem" }, r)).toThrow(
      'TLS_CERT_FILE: "c.pem" holds no PEM certificate (no "-----BEGIN CERTIFICATE-----")',
    );
    const withCert = files({ [CERT]: readFileSync(CERT, "utf8"), "x.pem": "\u0000\u0001" });
    expect(read({ TLS_CERT_FILE: CERT, TLS_KEY_FILE: "x.pem" }, withCert)).toThrow(
      'TLS_KEY_FILE: "x.pem": it holds no PEM private key (no "-----BEGIN PRIVATE KEY-----")',
    );
  });

  test("the files swapped, an encrypted key", () => {
    expect(read({ TLS_CERT_FILE: KEY, TLS_KEY_FILE: CERT })).toThrow(/^TLS_CERT_FILE: ".*privkey.pem" holds no PEM/);
    const cert = readFileSync(CERT, "utf8");
    expect(read({ TLS_CERT_FILE: "c", TLS_KEY_FILE: "k" }, files({ c: cert, k: cert }))).toThrow(
      'TLS_KEY_FILE: "k": it holds a certificate, not a private key (are the two swapped?)',
    );
    const encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    expect(read({ TLS_CERT_FILE: "c", TLS_KEY_FILE: "k" }, files({ c: cert, k: encrypted }))).toThrow(
      'TLS_KEY_FILE: "k": its private key is encrypted: give it without a passphrase',
    );
  });

  test("PEM markers around something that does not parse", () => {
    const garbage = (label: string) => `-----BEGIN ${label}-----\nbm90IGRlcg==\n-----END ${label}-----\n`;
    const key = readFileSync(KEY, "utf8");
    expect(read({ TLS_CERT_FILE: "c", TLS_KEY_FILE: "k" }, files({ c: garbage("CERTIFICATE"), k: key }))).toThrow(
      /^TLS_CERT_FILE: "c" is not a valid PEM certificate: /,
    );
    const cert = readFileSync(CERT, "utf8");
    expect(read({ TLS_CERT_FILE: "c", TLS_KEY_FILE: "k" }, files({ c: cert, k: garbage("PRIVATE KEY") }))).toThrow(
      /^TLS_KEY_FILE: "k" is not a valid PEM private key: /,
    );
  });

  test("a key that is not the certificate's", () => {
    expect(read({ TLS_CERT_FILE: CERT, TLS_KEY_FILE: `${DIR}/other-key.pem` })).toThrow(
      'TLS_KEY_FILE: "test/fixtures/tls/other-key.pem" is not the private key of the certificate in TLS_CERT_FILE ' +
        '("test/fixtures/tls/fullchain.pem")',
    );
  });
});
