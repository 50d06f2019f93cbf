import type { Target } from "../config/targets";
import { OWN_EVENT_PREFIX } from "../config/targets";
import { RELAY_PROVIDER, type RelayEvent } from "../core/cloud-event";
import { wantedTypes } from "./chat/chat-target";

/**
 * `*` matches any run of characters, line breaks included (an event type is provider text and may hold
 * one); everything else is literal. No regular expression: a star backtracks only to the last star, so
 * a pattern of many stars against a long type takes time proportional to their product at worst.
 */
export function globMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      resume = v;
    } else if (p < pattern.length && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (star !== -1) {
      p = star + 1;
      v = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Whether an enabled target wants this event (a chat target without `types` wants the moments teams announce). */
export function targetWants(target: Target, event: RelayEvent): boolean {
  if (target.enabled === false) return false;
  if (event.provider === RELAY_PROVIDER) return wantsOwnEvent(target, event);
  if (target.providers && !target.providers.includes(event.provider)) return false;
  const types = wantedTypes(target);
  if (types && !types.some((pattern) => globMatches(pattern, event.type))) return false;
  return true;
}

/**
 * The relay's own events (`relay.*`) go only where they are named: a `types` pattern that starts with
 * `relay.` and matches (`*` alone, or no `types`, names none of them; `providers` does not apply), and
 * never to the target they are about.
 */
export function wantsOwnEvent(target: Target, event: RelayEvent): boolean {
  if (target.enabled === false || aboutTarget(event) === target.id) return false;
  return (target.types ?? []).some(
    (pattern) => pattern.startsWith(OWN_EVENT_PREFIX) && globMatches(pattern, event.type),
  );
}

/** The target a relay event is about (`data.target`), if any. */
export function aboutTarget(event: RelayEvent): string | undefined {
  const about = (event.data as { target?: unknown }).target;
  return typeof about === "string" ? about : undefined;
}
