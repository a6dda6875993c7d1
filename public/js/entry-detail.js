// The entry panel under the log: one entry whole (as much as the log keeps),
// JSON pretty-printed if asked, and copied to the clipboard.

/** @typedef {import("./log-view.js").Entry} Entry */

/**
 * The text indented, when it is a JSON object or array; undefined otherwise
 * (a number or a quoted string gains nothing from it).
 * @param {string} text
 */
export function prettyJson(text) {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return undefined;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return undefined;
  }
}

/** @param {Entry} entry */
function describeEntry(entry) {
  const route = entry.from ? `${entry.from} → ${entry.to}` : entry.kind;
  return [`Entry #${entry.seq}`, entry.time, route, entry.badge, entry.rtt && `RTT ${entry.rtt}`]
    .filter(Boolean).join(" · ");
}

export class EntryDetail {
  /** @type {Entry | undefined} */
  #entry;
  #elements;
  #placeholder;

  /**
   * @param {{ heading: HTMLElement, data: HTMLElement, note: HTMLElement, pretty: HTMLInputElement,
   *   copyData: HTMLButtonElement, copyEntry: HTMLButtonElement }} elements
   */
  constructor(elements) {
    this.#elements = elements;
    this.#placeholder = elements.data.textContent ?? "";
    elements.pretty.addEventListener("change", () => this.show(this.#entry, false));
    elements.copyData.addEventListener("click", () => void this.#copy("data"));
    elements.copyEntry.addEventListener("click", () => void this.#copy("entry"));
  }

  /**
   * @param {Entry | undefined} entry
   * @param {boolean} [announce] say so in the status line (a new entry chosen)
   */
  show(entry, announce = true) {
    const { heading, data, note, copyData, copyEntry } = this.#elements;
    this.#entry = entry;
    copyData.disabled = copyEntry.disabled = !entry;
    heading.textContent = entry ? describeEntry(entry) : "Entry";
    data.textContent = entry ? this.#shownData(entry) : this.#placeholder;
    if (announce) note.textContent = entry ? `Entry #${entry.seq} is shown below the log.` : "";
  }

  /** @param {Entry} entry */
  #shownData(entry) {
    return (this.#elements.pretty.checked ? prettyJson(entry.data) : undefined) ?? entry.data;
  }

  /** @param {"data" | "entry"} what */
  async #copy(what) {
    const entry = this.#entry;
    if (!entry) return;
    const text = what === "data" ? this.#shownData(entry) : JSON.stringify(entry, null, 2);
    const { note, data } = this.#elements;
    try {
      await navigator.clipboard.writeText(text);
      note.textContent = `Copied the ${what === "data" ? "data" : "whole entry"} of entry #${entry.seq}.`;
    } catch {
      // No clipboard (an insecure origin, or permission refused): select the text instead.
      getSelection()?.selectAllChildren(data);
      data.focus();
      note.textContent = "The browser did not allow copying: the data is selected, press Ctrl+C (⌘C) to copy it.";
    }
  }
}
