import { expect, test } from "vitest";
import { SlotList } from "../../src/slot-list.ts";

type Item = { name: string; slot: number };
const item = (name: string): Item => ({ name, slot: -1 });
const names = (list: SlotList<"slot", Item>) => list.snapshot().map((i) => i.name).sort();

test("add and delete keep every other item, each knowing its own index", () => {
  const list = new SlotList<"slot", Item>("slot");
  const items = ["a", "b", "c", "d", "e"].map(item);
  for (const i of items) list.add(i);
  expect(list.size).toBe(5);
  expect(list.delete(items[1]!)).toBe(true); // the middle: the last moves into its place
  expect(list.delete(items[4]!)).toBe(true); // the last
  expect(list.delete(items[0]!)).toBe(true); // the first
  expect(names(list)).toEqual(["c", "d"]);
  for (const [index, i] of list.snapshot().entries()) expect(i.slot).toBe(index);
  expect(items.filter((i) => i.slot === -1).map((i) => i.name)).toEqual(["a", "b", "e"]);
});

test("adding twice keeps one entry; deleting what is not there says so and changes nothing", () => {
  const list = new SlotList<"slot", Item>("slot");
  const [a, b] = [item("a"), item("b")];
  list.add(a);
  list.add(a);
  expect(list.size).toBe(1);
  expect(list.delete(b)).toBe(false);
  expect(list.delete(a)).toBe(true);
  expect(list.delete(a)).toBe(false);
  expect(list.size).toBe(0);
  // An item of another list with the same index is not this list's.
  const other = new SlotList<"slot", Item>("slot");
  const c = item("c");
  list.add(b);
  other.add(c);
  expect(list.delete(c)).toBe(false);
  expect(names(list)).toEqual(["b"]);
});

test("a snapshot can be walked while its items are deleted", () => {
  const list = new SlotList<"slot", Item>("slot");
  const items = Array.from({ length: 100 }, (_, i) => item(String(i)));
  for (const i of items) list.add(i);
  const seen: string[] = [];
  for (const i of list.snapshot()) {
    seen.push(i.name);
    list.delete(i);
  }
  expect(seen).toHaveLength(100);
  expect(new Set(seen).size).toBe(100);
  expect(list.size).toBe(0);
});
