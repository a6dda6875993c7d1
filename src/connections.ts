import type { MessageCounts } from "./metrics.ts";
import { SlotList } from "./slot-list.ts";

/** One open WebSocket, as the registry sees it. */
export interface OpenConnection {
  readonly id: number;
  /** The registry's own bookkeeping (its index in a `SlotList`): -1 until added. */
  registrySlot: number;
  /** Starts the closing handshake with this code and reason. */
  close(code: number, reason: string): void;
  /** Adds its message counts so far to `totals` (for /metrics, see ./metrics.ts). */
  countInto?(totals: MessageCounts): void;
}

/**
 * The open WebSockets of one app: counted for `maxConnections`, and closed
 * together on shutdown.
 */
export class ConnectionRegistry {
  readonly #open = new SlotList<"registrySlot", OpenConnection>("registrySlot");
  #waiters: (() => void)[] = [];

  get size(): number {
    return this.#open.size;
  }

  add(connection: OpenConnection): void {
    this.#open.add(connection);
  }

  delete(connection: OpenConnection): void {
    if (!this.#open.delete(connection) || this.#open.size > 0) return;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** The open connections now (a copy). */
  list(): readonly OpenConnection[] {
    return this.#open.snapshot();
  }

  /** Closes every open connection; resolves when all have closed. */
  closeAll(code: number, reason: string): Promise<void> {
    for (const connection of this.#open.snapshot()) connection.close(code, reason);
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
