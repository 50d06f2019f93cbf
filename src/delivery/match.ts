import type { Target } from "../config/targets";
import type { RelayEvent } from "../events";

const globs = new Map<string, RegExp>();

/** `*` matches any run of characters, everything else is literal. */
export function globMatches(pattern: string, value: string): boolean {
  let regex = globs.get(pattern);
  if (regex === undefined) {
    const body = pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
      .join(".*");
    regex = new RegExp(`^${body}$`);
    globs.set(pattern, regex);
  }
  return regex.test(value);
}

/** Whether an enabled target wants this event. */
export function targetWants(target: Target, event: RelayEvent): boolean {
  if (target.enabled === false) return false;
  if (target.providers && !target.providers.includes(event.provider)) return false;
  if (target.types && !target.types.some((pattern) => globMatches(pattern, event.type))) return false;
  return true;
}
