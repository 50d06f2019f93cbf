// An hourly bar chart as inline SVG, drawn here (no chart library, no external request).
import { svg } from "./dom.js";

const SERIES = [
  ["accepted", "chart-accepted"],
  ["refused", "chart-refused"],
  ["failing", "chart-failing"],
];

/**
 * `hours`: [{ hour: ISO string, accepted, refused, failing }], oldest first. Each hour is one
 * stacked bar; its tooltip lists the counts.
 */
export function hourlyChart(hours, { width = 288, height = 64 } = {}) {
  const slot = width / Math.max(hours.length, 1);
  const highest = Math.max(1, ...hours.map((hour) => SERIES.reduce((sum, [key]) => sum + (hour[key] ?? 0), 0)));
  const bars = hours.map((hour, index) => {
    let top = height;
    const parts = SERIES.map(([key, className]) => {
      const size = ((hour[key] ?? 0) / highest) * (height - 4);
      top -= size;
      return size > 0
        ? svg("rect", { x: index * slot + 1, y: top, width: Math.max(slot - 2, 1), height: size, class: className })
        : null;
    });
    const label = `${new Date(hour.hour).toLocaleString()}: ${SERIES.map(([key]) => `${hour[key] ?? 0} ${key}`).join(", ")}`;
    return svg(
      "g",
      { class: "chart-hour" },
      svg("title", {}, label),
      svg("rect", { x: index * slot, y: 0, width: slot, height, class: "chart-slot" }),
      parts,
    );
  });
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img", "aria-label": "events per hour" },
    svg("line", { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: "chart-axis" }),
    bars,
  );
}

/** The last `count` whole hours ending with the current one, oldest first. */
export function lastHours(count = 24, now = Date.now()) {
  const hour = 3_600_000;
  const current = Math.floor(now / hour) * hour;
  return Array.from({ length: count }, (_, index) => new Date(current - (count - 1 - index) * hour).toISOString());
}
