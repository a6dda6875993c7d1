// The Latency card: the round-trip time of every echo on the connection, drawn
// on a canvas, with p50/p90/p99 and a burst's rate beside it and a summary for
// screen readers. Work is bounded per animation frame, whatever the echo rate:
// one redraw and one sort at most, and the drawing is decimated to one column
// of pixels (lowest to highest RTT) per group of echoes.
import { formatMs } from "./codec.js";

/** Echoes kept per connection; older ones leave in batches (the count says so). */
export const CHART_CAPACITY = 100_000;
/** The screen-reader summary changes at most this often: a live region read aloud on every echo would be noise. */
const SUMMARY_EVERY_MS = 2_000;
const PERCENTILES = /** @type {const} */ ([50, 90, 99]);

/**
 * Nearest-rank percentile: the smallest value with at least p % of the values
 * at or below it. The tests compute the same over the log's RTTs.
 * @param {ArrayLike<number>} sorted ascending
 * @param {number} p 0 < p <= 100
 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return /** @type {number} */ (sorted[rank - 1]);
}

/**
 * @typedef {{ count: number, from: number, startedAt: number, endedAt: number }} Burst
 * `from`: echoes counted before its first; `endedAt` NaN until its last echo.
 */

export class LatencyChart {
  /** @type {number[]} */
  #rtts = [];
  /** Echoes since reset, including those dropped from #rtts. */
  #total = 0;
  /** @type {Burst | undefined} */
  #burst;
  #frame = 0;
  #lastSummary = 0;
  #summaryTimer = 0;
  #canvas;
  #figures;
  #summary;

  /**
   * @param {{ canvas: HTMLCanvasElement, summary: HTMLElement,
   *   figures: { p50: HTMLElement, p90: HTMLElement, p99: HTMLElement, count: HTMLElement, rate: HTMLElement } }} elements
   */
  constructor({ canvas, summary, figures }) {
    this.#canvas = canvas;
    this.#summary = summary;
    this.#figures = figures;
    new ResizeObserver(() => this.redraw()).observe(canvas);
    this.redraw();
  }

  /** A new connection: nothing measured yet. */
  reset() {
    this.#rtts = [];
    this.#total = 0;
    this.#burst = undefined;
    this.redraw();
  }

  /**
   * One echo's round-trip time.
   * @param {number} rtt ms
   * @param {number} at performance.now() of its arrival
   */
  add(rtt, at) {
    this.#rtts.push(rtt);
    this.#total++;
    if (this.#rtts.length > CHART_CAPACITY * 1.1) this.#rtts.splice(0, this.#rtts.length - CHART_CAPACITY);
    const burst = this.#burst;
    if (burst && this.#total === burst.from + burst.count) burst.endedAt = at;
    this.redraw();
  }

  /**
   * A Send with Times > 1: `count` messages sent from `startedAt`, behind
   * `waiting` earlier ones not echoed yet (the echo keeps order).
   * @param {{ count: number, waiting: number, startedAt: number }} burst
   */
  startBurst({ count, waiting, startedAt }) {
    this.#burst = { count, from: this.#total + waiting, startedAt, endedAt: NaN };
    this.redraw();
  }

  /** Draws again in the next frame (new data, a new size, another colour scheme). */
  redraw() {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      const sorted = Float64Array.from(this.#rtts).sort();
      const marks = PERCENTILES.map((p) => percentile(sorted, p));
      this.#draw(marks, sorted.length ? /** @type {number} */ (sorted[sorted.length - 1]) : 0);
      this.#writeFigures(marks);
    });
  }

  /** @param {number[]} marks p50, p90, p99 */
  #writeFigures(marks) {
    const { p50, p90, p99, count, rate } = this.#figures;
    [p50, p90, p99].forEach((element, i) => {
      const value = /** @type {number} */ (marks[i]);
      element.textContent = Number.isNaN(value) ? "—" : formatMs(value);
      // The unrounded value, for the tests to compare with the log's RTTs.
      element.dataset.ms = String(value);
    });
    const kept = this.#rtts.length;
    count.textContent = kept === this.#total
      ? kept.toLocaleString("en")
      : `last ${kept.toLocaleString("en")} of ${this.#total.toLocaleString("en")}`;
    rate.textContent = this.#burstText();
    const due = this.#lastSummary + SUMMARY_EVERY_MS - performance.now();
    if (due <= 0) this.#writeSummary(marks);
    else if (!this.#summaryTimer) {
      this.#summaryTimer = setTimeout(() => {
        this.#summaryTimer = 0;
        this.redraw();
      }, due);
    }
  }

  #burstText() {
    const burst = this.#burst;
    if (!burst) return "—";
    const echoed = Math.max(0, Math.min(burst.count, this.#total - burst.from));
    if (Number.isNaN(burst.endedAt)) {
      return `${echoed.toLocaleString("en")} of ${burst.count.toLocaleString("en")} echoed`;
    }
    const elapsed = burst.endedAt - burst.startedAt;
    const perSecond = elapsed > 0 ? Math.round((burst.count * 1000) / elapsed).toLocaleString("en") : "—";
    return `${perSecond} msg/s (${burst.count.toLocaleString("en")} in ${formatMs(elapsed)})`;
  }

  /** @param {number[]} marks */
  #writeSummary(marks) {
    this.#lastSummary = performance.now();
    const kept = this.#rtts.length;
    const text = kept === 0 ? "Latency: no echoes yet." : `Latency over ${kept.toLocaleString("en")} echoes: ` +
      PERCENTILES.map((p, i) => `p${p} ${formatMs(/** @type {number} */ (marks[i]))}`).join(", ") +
      (this.#burst ? `. Last burst: ${this.#burstText()}.` : ".");
    if (this.#summary.textContent !== text) this.#summary.textContent = text;
  }

  /**
   * @param {number[]} marks
   * @param {number} max
   */
  #draw(marks, max) {
    const canvas = this.#canvas;
    const dpr = devicePixelRatio || 1;
    const width = Math.round(canvas.clientWidth * dpr);
    const height = Math.round(canvas.clientHeight * dpr);
    if (width === 0 || height === 0) return; // not laid out (hidden)
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
    // Colours from CSS (style.css, canvas.chart), so the chart follows the theme.
    const css = getComputedStyle(canvas);
    const text = getComputedStyle(document.body).color;
    ctx.clearRect(0, 0, width, height);
    ctx.font = `${Math.round(11 * dpr)}px system-ui, sans-serif`;
    ctx.textBaseline = "middle";

    const left = Math.round(56 * dpr);
    const right = Math.round(40 * dpr);
    const top = Math.round(10 * dpr);
    const bottom = Math.round(20 * dpr);
    const plotWidth = Math.max(1, width - left - right);
    const plotHeight = Math.max(1, height - top - bottom);
    const values = this.#rtts;
    const yMax = niceCeiling(max);
    const y = (/** @type {number} */ ms) => top + plotHeight - (ms / yMax) * plotHeight;

    // Grid and axis labels.
    ctx.strokeStyle = css.borderTopColor;
    ctx.fillStyle = text;
    ctx.lineWidth = dpr;
    ctx.textAlign = "right";
    for (const fraction of [0, 0.5, 1]) {
      const at = Math.round(y(yMax * fraction)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, at);
      ctx.lineTo(left + plotWidth, at);
      ctx.stroke();
      ctx.fillText(values.length ? formatMs(yMax * fraction) : "", left - 6 * dpr, at);
    }
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(values.length ? "oldest" : "No echoes yet", left, height - 4 * dpr);
    if (values.length) {
      ctx.textAlign = "right";
      ctx.fillText("newest", left + plotWidth, height - 4 * dpr);
    }
    if (!values.length) return;

    // The echoes: one column per pixel, lowest to highest of the echoes in it.
    ctx.fillStyle = css.color;
    const n = values.length;
    const columns = Math.min(plotWidth, n);
    const step = plotWidth / columns;
    const barWidth = Math.max(dpr, Math.floor(step) - (step >= 4 * dpr ? dpr : 0));
    for (let c = 0; c < columns; c++) {
      const from = Math.floor((c * n) / columns);
      const to = Math.max(from + 1, Math.floor(((c + 1) * n) / columns));
      let low = Infinity;
      let high = -Infinity;
      for (let i = from; i < to; i++) {
        const v = /** @type {number} */ (values[i]);
        if (v < low) low = v;
        if (v > high) high = v;
      }
      const x = left + Math.floor(c * step);
      const yHigh = Math.floor(y(high));
      ctx.fillRect(x, yHigh, barWidth, Math.max(2 * dpr, Math.ceil(y(low)) - yHigh));
    }

    // p50, p90, p99 as dashed lines labelled on the right.
    ctx.strokeStyle = css.outlineColor;
    ctx.fillStyle = text;
    ctx.setLineDash([4 * dpr, 4 * dpr]);
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    let lastLabel = Infinity;
    PERCENTILES.forEach((p, i) => {
      const at = Math.round(y(/** @type {number} */ (marks[i]))) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, at);
      ctx.lineTo(left + plotWidth, at);
      ctx.stroke();
      // Labels that would overlap (close percentiles) are left out, lowest first.
      if (lastLabel - at >= 11 * dpr) {
        ctx.fillText(`p${p}`, left + plotWidth + 4 * dpr, at);
        lastLabel = at;
      }
    });
    ctx.setLineDash([]);
  }
}

/**
 * 1, 2 or 5 times a power of ten, at or above `value` (the top of the y axis).
 * @param {number} value
 */
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}
