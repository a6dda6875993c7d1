/**
 * An unordered collection of objects that each carry their own index in it (a
 * field named by the list), for what is held once per open connection: a
 * JavaScript `Set` entry costs several times what this list does, an array
 * slot and that field (docs/benchmark-notes.md). `add` and `delete` are O(1): a delete moves the last item
 * into the hole, so the order is not kept.
 */
export class SlotList<K extends string, T extends Record<K, number>> {
  readonly #key: K;
  readonly #items: T[] = [];

  /** `key` names the field of each item that holds its index here: -1 when it is not in the list. */
  constructor(key: K) {
    this.#key = key;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Adds an item that is not in the list; one already in it stays where it is. */
  add(item: T): void {
    if (item[this.#key] >= 0) return;
    item[this.#key] = this.#items.length as T[K];
    this.#items.push(item);
  }

  /** Removes the item; false when it was not in the list. */
  delete(item: T): boolean {
    const slot = item[this.#key];
    if (slot < 0 || this.#items[slot] !== item) return false;
    const last = this.#items.pop()!;
    if (last !== item) {
      this.#items[slot] = last;
      last[this.#key] = slot;
    }
    item[this.#key] = -1 as T[K];
    return true;
  }

  /** The items as they are now: a copy, so the caller may add and delete while it goes through them. */
  snapshot(): T[] {
    return this.#items.slice();
  }
}
