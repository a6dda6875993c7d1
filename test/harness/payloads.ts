/** The payloads the tests send: bytes and text whose every offset is distinct, so a shifted or truncated echo shows. */

/** Bytes that differ at every offset. */
export function pattern(size: number, seed = 0): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return bytes;
}

/** Valid UTF-8 of exactly `size` bytes, with 2-, 3- and 4-byte characters in it. */
export function text(size: number, seed = 0): string {
  const pieces = ["a", "é", "€", "😀"]; // 1, 2, 3 and 4 bytes
  let out = "";
  let bytes = 0;
  for (let i = seed; bytes < size; i++) {
    const piece = pieces[i % 4]!;
    const n = Buffer.byteLength(piece);
    if (bytes + n > size) {
      out += "z".repeat(size - bytes);
      break;
    }
    out += piece;
    bytes += n;
  }
  return out;
}

/** `text(size)` as its UTF-8 bytes. */
export function utf8(size: number, seed = 0): Buffer {
  return Buffer.from(text(size, seed));
}
