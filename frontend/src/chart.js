// Small inline-SVG charts (no library: a few dozen lines beat any charting dependency in bytes).
import { svg } from "./dom.js";

/** The indices of a `count`-long date axis that get a label: the first, the middle and the last. */
function labelled(count) {
  return [...new Set([0, Math.floor((count - 1) / 2), count - 1])].filter((i) => i >= 0);
}

/**
 * Bars for values 0..1 (null = nothing due), one per day, the dates `labels[i]` of the first, middle and
 * last bar under a baseline; labelled for screen readers by `label`.
 */
export function bars(values, label, labels = []) {
  const width = 300;
  const plot = 60;
  const height = plot + 20;
  const gap = 2;
  const barWidth = (width - gap * (values.length - 1)) / Math.max(values.length, 1);
  const middle = (i) => i * (barWidth + gap) + barWidth / 2;
  const anchor = (i) => (i === 0 ? "start" : i === values.length - 1 ? "end" : "middle");
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "chart bars", role: "img", "aria-label": label },
    values.map((value, i) => {
      const barHeight = value === null ? 2 : Math.max(2, value * plot);
      return svg("rect", {
        x: (i * (barWidth + gap)).toFixed(1),
        y: (plot - barHeight).toFixed(1),
        width: barWidth.toFixed(1),
        height: barHeight.toFixed(1),
        class: value === null ? "bar none" : value >= 1 ? "bar full" : "bar",
      });
    }),
    svg("line", { x1: 0, x2: width, y1: plot + 0.5, y2: plot + 0.5, class: "axis" }),
    labels.length ? labelled(values.length).map((i) => svg("text", { x: middle(i).toFixed(1), y: height - 4, "text-anchor": anchor(i), class: "tick" }, labels[i])) : null,
  );
}

/**
 * Scores from 0 to `max` over days: a value axis with its ticks, the dates `labels[i]` of the first,
 * middle and last day under the time axis, and one line per series ({values: [number|null], kind}),
 * broken where a day has no value, with a dot on every value so a lone night still shows.
 */
export function scores(series, labels, label, { max = 10 } = {}) {
  const width = 300;
  const height = 160;
  const left = 26;
  const right = 12;
  const top = 10;
  const bottom = 26;
  const count = labels.length;
  const x = (i) => left + (count > 1 ? (i * (width - left - right)) / (count - 1) : (width - left - right) / 2);
  const y = (v) => height - bottom - (v / max) * (height - top - bottom);
  const anchor = (i) => (count === 1 ? "middle" : i === 0 ? "start" : i === count - 1 ? "end" : "middle");
  const path = (values) => {
    let d = "";
    values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      d += `${i && values[i - 1] !== null && values[i - 1] !== undefined ? "L" : "M"}${x(i).toFixed(1)} ${y(v).toFixed(1)} `;
    });
    return d.trim();
  };
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "chart scores", role: "img", "aria-label": label },
    [0, max / 2, max].map((v) => [
      svg("line", { x1: left, x2: width - right, y1: y(v).toFixed(1), y2: y(v).toFixed(1), class: v ? "grid" : "axis" }),
      svg("text", { x: left - 6, y: (y(v) + 4).toFixed(1), "text-anchor": "end", class: "tick" }, String(v)),
    ]),
    svg("line", { x1: left, x2: left, y1: top, y2: y(0).toFixed(1), class: "axis" }),
    series.map(({ values, kind }) => [
      svg("path", { d: path(values) || `M${left} ${y(0)}`, class: `trend ${kind}` }),
      values.map((v, i) => (v === null || v === undefined ? null : svg("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2.5, class: `dot ${kind}` }))),
    ]),
    labelled(count).map((i) => svg("text", { x: x(i).toFixed(1), y: height - 6, "text-anchor": anchor(i), class: "tick" }, labels[i])),
  );
}

/** A line through points [{x: label, y: number}] with dots and a threshold line at `threshold`. */
export function line(points, label, { threshold } = {}) {
  const width = 300;
  const height = 100;
  const pad = 10;
  const ys = points.map((p) => p.y).concat(threshold ? [threshold] : []);
  const max = Math.max(...ys) * 1.15 || 1;
  const x = (i) => pad + (points.length > 1 ? (i * (width - 2 * pad)) / (points.length - 1) : (width - 2 * pad) / 2);
  const y = (v) => height - pad - (v / max) * (height - 2 * pad);
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)} ${y(p.y).toFixed(1)}`).join(" ");
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "chart line", role: "img", "aria-label": label },
    threshold ? svg("line", { x1: pad, x2: width - pad, y1: y(threshold), y2: y(threshold), class: "threshold" }) : null,
    svg("path", { d: path, class: "trend" }),
    points.map((p, i) => svg("circle", { cx: x(i).toFixed(1), cy: y(p.y).toFixed(1), r: 4, class: "dot" })),
  );
}

/** A round number at or above `value` (1, 2, 2.5 or 5 times a power of ten) for the top of an axis. */
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= value);
}

/**
 * Values over dates, readable without the label: a value axis from 0 with its ticks, each point with its
 * value above it and its date below the axis (first and last date only past four points), so one point
 * is a dot with its value and date. points: [{y: number, value: "58", date: "1 Nov 2026"}] in order.
 */
export function valueLine(points, label, { unit = "" } = {}) {
  const width = 300;
  const height = 150;
  const left = 40;
  const right = 16;
  const top = 22;
  const bottom = 30;
  const max = niceCeiling(Math.max(...points.map((p) => p.y)) * 1.1);
  const plotWidth = width - left - right;
  const x = (i) => left + (points.length > 1 ? (i * plotWidth) / (points.length - 1) : plotWidth / 2);
  const y = (v) => height - bottom - (v / max) * (height - top - bottom);
  const ticks = [0, max / 2, max];
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)} ${y(p.y).toFixed(1)}`).join(" ");
  const dated = points.length > 4 ? [0, points.length - 1] : points.map((_, i) => i);
  const anchor = (i) => (points.length === 1 ? "middle" : i === 0 ? "start" : i === points.length - 1 ? "end" : "middle");
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "chart values", role: "img", "aria-label": label },
    ticks.map((v) => [
      svg("line", { x1: left, x2: width - right, y1: y(v).toFixed(1), y2: y(v).toFixed(1), class: v ? "grid" : "axis" }),
      svg("text", { x: left - 6, y: (y(v) + 4).toFixed(1), "text-anchor": "end", class: "tick" }, String(v)),
    ]),
    unit ? svg("text", { x: 2, y: 12, class: "tick" }, unit) : null,
    points.length > 1 ? svg("path", { d: path, class: "trend" }) : null,
    points.map((p, i) => [
      svg("circle", { cx: x(i).toFixed(1), cy: y(p.y).toFixed(1), r: 5, class: "dot" }),
      svg("text", { x: x(i).toFixed(1), y: (y(p.y) - 10).toFixed(1), "text-anchor": anchor(i), class: "value" }, p.value),
    ]),
    dated.map((i) => svg("text", { x: x(i).toFixed(1), y: height - 8, "text-anchor": anchor(i), class: "tick" }, points[i].date)),
  );
}
