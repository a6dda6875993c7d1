import type { SocketControl } from "./socket-control.ts";

/**
 * Bounds what one connection may hold in its send buffer when the client sends
 * but does not read. Above `HIGH_WATER_MARK` the connection stops reading where
 * the runtime can pause (TCP then pushes back on the client) and resumes below
 * `LOW_WATER_MARK`; where it cannot, the connection is closed with 1008 rather
 * than letting memory grow or a message be dropped (Bun's `send` drops past its
 * backpressure limit).
 *
 * Memory held per connection: at most HIGH_WATER_MARK plus one message
 * (MAX_MESSAGE_BYTES) plus what the runtime had already read.
 */
export const HIGH_WATER_MARK = 1024 * 1024;
export const LOW_WATER_MARK = 256 * 1024;
/** How often a paused connection looks at its send buffer: runtimes differ in how (or whether) they announce a drain. */
const DRAIN_POLL_MS = 5;

export type Overflow = "paused" | "close" | undefined;

export class FlowControl {
  /**
   * Whether a connection that has none yet needs one, asked after each send:
   * most never fill their send buffer, and an object per idle connection is
   * memory at 10,000 connections (docs/benchmark-notes.md).
   */
  static needed(control: SocketControl): boolean {
    return control.bufferedAmount > HIGH_WATER_MARK;
  }

  #control: SocketControl;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts each pause (for /metrics). */
  #counts: { flowControlPauses: number } | undefined;

  constructor(control: SocketControl, counts?: { flowControlPauses: number }) {
    this.#control = control;
    this.#counts = counts;
  }

  /** Call after each send: says whether the connection paused, or must close. */
  afterSend(): Overflow {
    if (this.#timer !== undefined) return "paused";
    if (this.#control.bufferedAmount <= HIGH_WATER_MARK) return undefined;
    const { pause, resume } = this.#control;
    if (!pause || !resume) return "close";
    pause.call(this.#control);
    if (this.#counts) this.#counts.flowControlPauses++;
    const check = () => {
      if (this.#control.bufferedAmount > LOW_WATER_MARK) {
        this.#timer = setTimeout(check, DRAIN_POLL_MS);
        return;
      }
      this.#timer = undefined;
      resume.call(this.#control);
    };
    this.#timer = setTimeout(check, DRAIN_POLL_MS);
    return "paused";
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
