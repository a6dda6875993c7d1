/**
 * TLS on Node, Deno and Bun: `TLS_CERT_FILE` and `TLS_KEY_FILE` name PEM files,
 * and the one port then serves https and wss. Both or neither: one alone,
 * a file that cannot be read, that holds no PEM, or a key that is not the
 * certificate's stops the start-up with an `OptionError` naming the variable
 * and the file. Workers have none of this: Cloudflare terminates TLS (see
 * docs/tls.md). Shared code imports no runtime: each entry passes its own way
 * of reading a file and `node:crypto`'s parsers, which all three provide.
 */
import { OptionError } from "./options.ts";

/** The certificate chain and its private key, as PEM text, for the runtime's server options. */
export interface TlsFiles {
  /** The server's certificate first, then any intermediates (Let's Encrypt's fullchain.pem). */
  cert: string;
  key: string;
}

/** What reading and checking the files takes from the runtime. */
export interface TlsReader<Key> {
  /** The file's UTF-8 text; throws when it cannot be read (missing, a directory, no permission). */
  readTextFile(path: string): string;
  /** `node:crypto`'s: parses the first certificate of a PEM text, throws on anything else. */
  X509Certificate: new (pem: string) => { checkPrivateKey(key: Key): boolean };
  /** `node:crypto`'s: parses a PEM private key, throws on anything else. */
  createPrivateKey(pem: string): Key;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
/** PKCS #8 ("PRIVATE KEY", what certbot writes) and the older RSA and EC forms. */
const PRIVATE_KEY = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/;

/**
 * Reads `TLS_CERT_FILE` and `TLS_KEY_FILE` from the environment: undefined
 * when neither is set (plain http and ws), the PEM texts when both are and
 * they make a pair; an `OptionError` naming the variable and file otherwise.
 */
export function readTlsFiles<Key>(
  env: Record<string, string | undefined>,
  reader: TlsReader<Key>,
): TlsFiles | undefined {
  const certFile = env.TLS_CERT_FILE?.trim() || undefined;
  const keyFile = env.TLS_KEY_FILE?.trim() || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile) {
    throw new OptionError(
      `TLS_CERT_FILE must be set too: TLS needs both TLS_CERT_FILE and TLS_KEY_FILE ("${keyFile}")`,
    );
  }
  if (!keyFile) {
    throw new OptionError(
      `TLS_KEY_FILE must be set too: TLS needs both TLS_CERT_FILE and TLS_KEY_FILE ("${certFile}")`,
    );
  }
  const cert = read(reader, "TLS_CERT_FILE", certFile);
  const key = read(reader, "TLS_KEY_FILE", keyFile);

  if (!CERTIFICATE.test(cert)) {
    throw new OptionError(`TLS_CERT_FILE: "${certFile}" holds no PEM certificate (no "-----BEGIN CERTIFICATE-----")`);
  }
  if (!PRIVATE_KEY.test(key)) {
    const why = /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(key)
      ? "its private key is encrypted: give it without a passphrase"
      : CERTIFICATE.test(key)
      ? "it holds a certificate, not a private key (are the two swapped?)"
      : 'it holds no PEM private key (no "-----BEGIN PRIVATE KEY-----")';
    throw new OptionError(`TLS_KEY_FILE: "${keyFile}": ${why}`);
  }
  let certificate: { checkPrivateKey(key: Key): boolean };
  try {
    certificate = new reader.X509Certificate(cert);
  } catch (error) {
    throw new OptionError(`TLS_CERT_FILE: "${certFile}" is not a valid PEM certificate: ${message(error)}`);
  }
  let privateKey: Key;
  try {
    privateKey = reader.createPrivateKey(key);
  } catch (error) {
    throw new OptionError(`TLS_KEY_FILE: "${keyFile}" is not a valid PEM private key: ${message(error)}`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new OptionError(
      `TLS_KEY_FILE: "${keyFile}" is not the private key of the certificate in TLS_CERT_FILE ("${certFile}")`,
    );
  }
  return { cert, key };
}

function read<Key>(reader: TlsReader<Key>, name: string, path: string): string {
  try {
    return reader.readTextFile(path);
  } catch (error) {
    throw new OptionError(`${name}: cannot read "${path}": ${message(error)}`);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
