/**
 * A string field, or a number rendered as a string (ids arrive as either). A number past 2^53 is
 * absent: parsing rounded it, and its digits would name another meeting, person or file.
 */
export function text(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" && Math.abs(value) <= Number.MAX_SAFE_INTEGER) return String(value);
  return undefined;
}

/** A number kept as a number (a `Progress` of 0 means something), else {@link text}; past 2^53 it is absent too. */
export function scalar(value: unknown): string | number | undefined {
  return typeof value === "number" && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? value : text(value);
}
