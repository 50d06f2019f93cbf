/**
 * A string field, or a number rendered as a string (ids arrive as either). A number past 2^53 is
 * absent: parsing rounded it, and its digits would name another meeting, person or file.
 */
export function text(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" && Math.abs(value) <= Number.MAX_SAFE_INTEGER) return String(value);
  return undefined;
}
