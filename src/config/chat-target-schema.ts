import * as v from "valibot";
import { kindOf, mustBe } from "./schema-messages.ts";
import {
  CHAT_LOCALES,
  CHAT_NAMES,
  type ChatKind,
  DEFAULT_CHAT_TYPES,
  type SIGNED_CHAT_KINDS,
  type UNSIGNED_CHAT_KINDS,
} from "./target-kinds.ts";
import type { SharedFields } from "./targets-schema.ts";

/** A template longer than this is surely a mistake; the message is cut to the bot's limit anyway. */
const MAX_TEMPLATE_CHARS = 2000;

/** One `{{dotted.path}}` placeholder: names and array indexes joined by dots, nothing else. */
export const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)\s*\}\}/g;

/** Text in which every `{{` opens a placeholder: `{{data.meeting.subject | upper}}` is refused, not sent as is. */
const ONLY_PLACEHOLDERS = /^(?:[^{]|\{(?!\{)|\{\{\s*[A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*\s*\}\})*$/;

const RATE_FIELDS = ["perMinute", "perSecond"] as const;

/** What a chat target shares with a webhook target, besides its id and url. */
const commonFields = ({ types, providers, timeoutMs, enabled }: SharedFields) => ({
  types: v.optional(
    v.pipe(
      v.unwrap(types),
      v.description(`Event type globs, "*" matches anything. Absent means ${DEFAULT_CHAT_TYPES.join(", ")}.`),
    ),
  ),
  providers,
  timeoutMs,
  enabled,
});

const chatFields = (kind: ChatKind) => ({
  locale: v.optional(
    v.pipe(
      v.picklist(CHAT_LOCALES, (issue) =>
        typeof issue.input === "string"
          ? `unknown locale ${issue.received} (known: ${CHAT_LOCALES.join(", ")})`
          : `locale must be one of ${CHAT_LOCALES.join(", ")}, got ${kindOf(issue.input)}`,
      ),
      v.description('Language of the messages: "zh-CN" (default, times in Beijing time) or "en" (times in UTC).'),
    ),
  ),
  rateLimit: v.optional(
    v.pipe(
      v.strictObject(
        {
          perMinute: v.optional(
            v.pipe(
              v.number(mustBe("rateLimit.perMinute must be a number")),
              v.integer("rateLimit.perMinute must be a whole number"),
              v.minValue(1, "rateLimit.perMinute must be at least 1"),
              v.maxValue(1000, "rateLimit.perMinute must be at most 1000"),
            ),
          ),
          perSecond: v.optional(
            v.pipe(
              v.number(mustBe("rateLimit.perSecond must be a number")),
              v.integer("rateLimit.perSecond must be a whole number"),
              v.minValue(1, "rateLimit.perSecond must be at least 1"),
              v.maxValue(100, "rateLimit.perSecond must be at most 100"),
            ),
          ),
        },
        (issue) =>
          issue.expected === "never"
            ? `unknown field ${issue.received} in rateLimit (allowed: ${RATE_FIELDS.join(", ")})`
            : mustBe('rateLimit must be an object such as {"perMinute": 20}')(issue),
      ),
      v.description(
        `At most this many messages per minute and per second, in any window. A field left out keeps the ${kind} default.`,
      ),
    ),
  ),
  templates: v.optional(
    v.pipe(
      v.record(
        v.pipe(v.string(), v.minLength(1, "a template's type pattern must not be empty")),
        v.pipe(
          v.string(mustBe("a template must be a string")),
          v.minLength(1, "a template must not be empty"),
          v.maxLength(MAX_TEMPLATE_CHARS, `a template must be at most ${MAX_TEMPLATE_CHARS} characters`),
          v.regex(
            ONLY_PLACEHOLDERS,
            "a template may hold only {{dotted.path}} placeholders such as {{data.meeting.subject}}",
          ),
        ),
        mustBe('templates must be an object such as {"meeting.started": "{{data.meeting.subject}} started"}'),
      ),
      v.description(
        "The message text per event type glob (first match wins), with {{dotted.path}} placeholders into the CloudEvent; nothing else is evaluated.",
      ),
    ),
  ),
});

function chatIssue(kind: ChatKind, allowed: readonly string[]) {
  return (issue: v.StrictObjectIssue): string => {
    if (issue.expected === "never") {
      const field = issue.received.replace(/^"(.*)"$/, "$1");
      if (field === "headers") return `headers cannot be set on a ${kind} target: the bot's URL is all it takes`;
      if (field === "secret") {
        return `a ${kind} target takes no secret: ${CHAT_NAMES[kind]} do not sign requests (the URL is the secret)`;
      }
      return `unknown field ${issue.received} (allowed for kind ${kind}: ${allowed.join(", ")})`;
    }
    if (issue.expected.startsWith('"')) return `${issue.expected.slice(1, -1)} is required`;
    return `each target must be an object, got ${kindOf(issue.input)}`;
  };
}

const SIGNED_FIELDS = [
  "id",
  "url",
  "kind",
  "secret",
  "types",
  "providers",
  "timeoutMs",
  "enabled",
  "locale",
  "rateLimit",
  "templates",
];
const UNSIGNED_FIELDS = SIGNED_FIELDS.filter((field) => field !== "secret");

const kindField = <K extends ChatKind>(kind: K) =>
  v.pipe(v.literal(kind), v.description(`${CHAT_NAMES[kind]}: each event becomes one chat message.`));

const urlOf = (kind: ChatKind, shared: SharedFields) =>
  v.pipe(
    shared.url,
    v.description(
      `The ${kind} bot's webhook URL. It holds the bot's token, so it is a secret: logs show its host only. https:// only.`,
    ),
  );

/** A chat target whose bot checks a signature (Feishu, DingTalk): `secret` is the bot's signing secret. */
export function signedChatTargetSchema(kind: (typeof SIGNED_CHAT_KINDS)[number], shared: SharedFields) {
  return v.strictObject(
    {
      id: shared.id,
      url: urlOf(kind, shared),
      kind: kindField(kind),
      secret: v.optional(
        v.pipe(
          v.string(mustBe("secret must be a string")),
          v.minLength(1, "secret must not be empty"),
          v.description(`The ${kind} bot's signing secret (its security settings); omit when signing is off.`),
        ),
      ),
      ...commonFields(shared),
      ...chatFields(kind),
    },
    chatIssue(kind, SIGNED_FIELDS),
  );
}

/** A chat target whose bot has no signature (WeCom, Slack): the URL alone is the credential. */
export function unsignedChatTargetSchema(kind: (typeof UNSIGNED_CHAT_KINDS)[number], shared: SharedFields) {
  return v.strictObject(
    { id: shared.id, url: urlOf(kind, shared), kind: kindField(kind), ...commonFields(shared), ...chatFields(kind) },
    chatIssue(kind, UNSIGNED_FIELDS),
  );
}
