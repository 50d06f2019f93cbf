import { PLACEHOLDER } from "../../config/chat-target-schema";
import type { RelayEvent } from "../../core/cloud-event";
import { globMatches } from "../match";
import { textAt } from "./event-fields";
import { cutChars, oneLine } from "./fit";

/** A value put into a template is cut to this many characters, and the whole text to {@link MAX_TEXT_CHARS}. */
const MAX_VALUE_CHARS = 300;
const MAX_TEXT_CHARS = 6000;

/** The template of the first type glob that matches, in the order the target lists them. */
export function templateFor(templates: Readonly<Record<string, string>> | undefined, type: string): string | undefined {
  if (templates === undefined) return undefined;
  for (const [pattern, template] of Object.entries(templates)) {
    if (globMatches(pattern, type)) return template;
  }
  return undefined;
}

/**
 * The template with each `{{dotted.path}}` replaced by that value of the CloudEvent (empty when
 * missing or not a plain value), each value on one line as in the built-in wording: only the template's
 * own line breaks make lines. Nothing else is evaluated, and the result is plain text: each chat
 * escapes it like any other text, so neither the template nor a value can format or mention.
 */
export function renderTemplate(template: string, event: RelayEvent): string {
  const text = template.replace(new RegExp(PLACEHOLDER.source, "g"), (_, path: string) =>
    cutChars(oneLine(textAt(event, path) ?? ""), MAX_VALUE_CHARS),
  );
  return cutChars(text, MAX_TEXT_CHARS);
}
