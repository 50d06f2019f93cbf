import type * as v from "valibot";

/**
 * What a wrong value is, never the value itself: a targets document carries
 * secrets and header values, and problems end up in responses and logs.
 */
export function kindOf(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  if (typeof input === "object") return "an object";
  return `a ${typeof input}`;
}

/** A problem message that says what was expected and what kind of value came instead. */
export const mustBe = (what: string) => (issue: v.BaseIssue<unknown>) => `${what}, got ${kindOf(issue.input)}`;
