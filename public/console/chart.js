// An hourly bar chart as inline SVG, drawn here (no chart library, no external request).
import { svg } from "./dom.js";

const SERIES = [
  ["accepted", "chart-accepted"],
  ["refused", "chart-refused"],
  ["failed", "chart-failed"],
];

/**
 * `hours`: [{ hour: ISO string, accepted, refused, failed }], oldest first. Each hour is one
 * stacked bar (events accepted, callbacks refused, delivery attempts failed); its tooltip lists the counts.
 */
export function hourlyChart(hours, { width = 960, height = 120 } = {}) {
  const axis = 16;
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
    const tooltip = `${new Date(hour.hour).toLocaleString()}: ${SERIES.map(([key]) => `${hour[key] ?? 0} ${key}`).join(", ")}`;
    return svg(
      "g",
      { class: "chart-hour" },
      svg("title", {}, tooltip),
      svg("rect", { x: index * slot, y: 0, width: slot, height, class: "chart-slot" }),
      parts,
    );
  });
  const hourOf = (iso) => new Date(iso).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
  const label = (x, anchor, text) =>
    svg("text", { x, y: height + axis - 3, "text-anchor": anchor, class: "chart-label" }, text);
  return svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height + axis}`,
      width,
      height: height + axis,
      class: "chart",
      role: "img",
      "aria-label": "events per hour",
    },
    svg("line", { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: "chart-axis" }),
    svg("text", { x: 2, y: 10, class: "chart-label" }, `max ${highest} per hour`),
    bars,
    hours.length ? label(0, "start", hourOf(hours[0].hour)) : null,
    hours.length ? label(width, "end", `${hourOf(hours.at(-1).hour)} (now)`) : null,
  );
}

/** The last `count` whole hours ending with the current one, oldest first. */
export function lastHours(count = 24, now = Date.now()) {
  const hour = 3_600_000;
  const current = Math.floor(now / hour) * hour;
  return Array.from({ length: count }, (_, index) => new Date(current - (count - 1 - index) * hour).toISOString());
}
