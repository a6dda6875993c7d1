/**
 * RFC 6455 close-code rules, in one place and free of any runtime: which codes
 * may appear in a close frame, and what a server answers to the client's close.
 */

/** RFC 6455 §7.4.1 codes with a name this service uses. */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  /** "No status received": never sent, it stands for a close frame without a code. */
  noStatus: 1005,
  /** Abnormal closure: no close frame at all. Logged, never sent. */
  abnormal: 1006,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
} as const;

/** A close frame's payload is at most 125 bytes (§5.5), 2 of them the code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Whether `code` may be sent in a close frame (RFC 6455 §7.4.1, §7.4.2, and
 * the IANA registry): 1000–1003, 1007–1014, and 3000–4999 (registered and
 * private use). 1004 is reserved; 1005, 1006 and 1015 are for reporting only
 * and must never be on the wire; 0–999, 1016–2999 and 5000 up are not defined.
 */
export function isValidCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/** What the server sends back in its close frame; no `code` means an empty close frame. */
export interface CloseReply {
  code?: number;
  reason?: string;
}

/**
 * The answer to a client's close, given the code and reason the runtime
 * reported for it:
 * - no code (reported as 1005 with no reason): an empty close frame, as received;
 * - a valid code with a reason of at most 123 UTF-8 bytes: both echoed (the
 *   ASP.NET Core sample's behaviour, and what §5.5.1 calls typical);
 * - anything else is the peer breaking the protocol, answered with 1002: a code
 *   that must not be sent or is undefined (§7.4.1); 1005 with a reason, which
 *   can only have come as the code 1005 on the wire, since a reason needs a
 *   code; a reason too long for a control frame (§5.5), which a runtime may
 *   pass on, but which no close frame can carry back.
 *
 * Invalid UTF-8 in the reason is the runtime's to detect: by the time a close
 * event exists, the reason is already a decoded string.
 */
export function closeReply(code: number, reason: string): CloseReply {
  if (code === CLOSE_CODES.noStatus && reason === "") return {};
  if (!isValidCloseCode(code)) return { code: CLOSE_CODES.protocolError, reason: `invalid close code ${code}` };
  if (!reasonFits(reason)) {
    return { code: CLOSE_CODES.protocolError, reason: `close reason over ${MAX_CLOSE_REASON_BYTES} bytes` };
  }
  return { code, reason };
}

const encoder = new TextEncoder();

/** Whether `reason` fits a close frame: at most 123 bytes in UTF-8. */
export function reasonFits(reason: string): boolean {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: short reasons need no encoding.
  return reason.length * 3 <= MAX_CLOSE_REASON_BYTES || encoder.encode(reason).length <= MAX_CLOSE_REASON_BYTES;
}
