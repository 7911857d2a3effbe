// Small inline-SVG charts (no library: a few dozen lines beat any charting dependency in bytes).
import { svg } from "./dom.js";

/** Bars for values 0..1 (null = nothing due), labelled for screen readers by `label`. */
export function bars(values, label) {
  const width = 300;
  const height = 60;
  const gap = 2;
  const barWidth = (width - gap * (values.length - 1)) / Math.max(values.length, 1);
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": label, preserveAspectRatio: "none" },
    values.map((value, i) => {
      const barHeight = value === null ? 2 : Math.max(2, value * height);
      return svg("rect", {
        x: (i * (barWidth + gap)).toFixed(1),
        y: (height - barHeight).toFixed(1),
        width: barWidth.toFixed(1),
        height: barHeight.toFixed(1),
        class: value === null ? "bar none" : value >= 1 ? "bar full" : "bar",
      });
    }),
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
