import * as v from "valibot";
import { PROVIDER_NAMES } from "../core/cloud-event.ts";
import { signedChatTargetSchema, unsignedChatTargetSchema } from "./chat-target-schema.ts";
import { kindOf, mustBe } from "./schema-messages.ts";
import { CHAT_KINDS, CHAT_ONLY_FIELDS, TARGET_KINDS } from "./target-kinds.ts";

export const NOT_A_TARGET = 'each target must be an object such as {"id": "crm", "url": "https://…"}';

const TARGET_FIELDS = ["id", "url", "kind", "secret", "types", "providers", "headers", "timeoutMs", "enabled"] as const;

function targetIssue(issue: v.StrictObjectIssue): string {
  if (issue.expected === "never") {
    const field = issue.received.replace(/^"(.*)"$/, "$1");
    if ((CHAT_ONLY_FIELDS as readonly string[]).includes(field)) {
      return `${field} applies to chat targets only: set kind to one of ${CHAT_KINDS.join(", ")}`;
    }
    return `unknown field ${issue.received} (allowed: ${TARGET_FIELDS.join(", ")})`;
  }
  if (issue.expected.startsWith('"')) return `${issue.expected.slice(1, -1)} is required`;
  return `${NOT_A_TARGET}, got ${kindOf(issue.input)}`;
}

/** At most this many secrets at once: the new one, the old one, and one more during a hurried rotation. */
const MAX_SECRETS = 3;

const SigningSecret = v.pipe(
  v.string(mustBe("secret must be a string")),
  // Base64 of whole bytes: never 4n + 1 characters, which decode to nothing (every delivery would fail).
  v.regex(
    /^whsec_(?:[A-Za-z0-9+/]{4}){4,}(?:[A-Za-z0-9+/]{2,3})?={0,2}$/,
    "secret must be whsec_ followed by at least 16 base64 characters",
  ),
);

/** Headers a delivery's own headers depend on; a target cannot set them (nor any `webhook-*`). */
export const RESERVED_HEADERS = ["content-type", "content-length", "host", "transfer-encoding", "user-agent"] as const;

function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith("webhook-") || (RESERVED_HEADERS as readonly string[]).includes(lower);
}

/** Exported so the JSON Schema generator can translate it (a `check` has no JSON Schema form of its own). */
export const notReserved = v.check(
  (name: string) => !isReservedHeader(name),
  (issue) =>
    `header ${issue.received} is set by the relay and cannot be overridden (reserved: ${RESERVED_HEADERS.join(", ")}, webhook-*)`,
);

/** A target's id, unanchored: the one spelling, for the patterns built around it (a dead-letter id, "an id or `*`"). */
export const TARGET_ID_SOURCE = "[a-z0-9_-]{1,64}";
/** A target's id: what the admin API's routes and filters take, and what dead-letter keys start with. */
export const TARGET_ID_PATTERN = new RegExp(`^${TARGET_ID_SOURCE}$`);

/**
 * What every kind of target has. Only actions that translate to JSON Schema belong in these
 * schemas (the editor schema in `schema/targets.schema.json` is generated from them with
 * `npm run schema`); checks that depend on settings (https, unique ids) live in `validateTargets`.
 */
const SHARED_FIELDS = {
  id: v.pipe(
    v.string(mustBe("id must be a string")),
    v.regex(TARGET_ID_PATTERN, (issue) => `id must be 1 to 64 characters of a-z, 0-9, _ and -, got ${issue.received}`),
    v.description("Unique id of the target: 1 to 64 of a-z, 0-9, _ and -."),
  ),
  url: v.pipe(
    v.string(mustBe("url must be a string")),
    v.url("url must be an absolute URL such as https://example.com/hooks"),
    v.description("Where events are POSTed. https:// only (http://localhost with ALLOW_INSECURE_TARGETS=true)."),
  ),
  types: v.optional(
    v.pipe(
      v.array(
        v.pipe(v.string(mustBe("a type pattern must be a string")), v.minLength(1, "a type pattern must not be empty")),
        mustBe('types must be an array of event type patterns such as ["meeting.*"]'),
      ),
      v.description('Event type globs, "*" matches anything (e.g. "meeting.*"). Absent means all.'),
    ),
  ),
  providers: v.optional(
    v.pipe(
      v.array(
        v.picklist(PROVIDER_NAMES, (issue) =>
          typeof issue.input === "string"
            ? `unknown provider ${issue.received} (known: ${PROVIDER_NAMES.join(", ")})`
            : `a provider must be one of ${PROVIDER_NAMES.join(", ")}, got ${kindOf(issue.input)}`,
        ),
        mustBe("providers must be an array of provider names"),
      ),
      v.description("Absent means all providers."),
    ),
  ),
  timeoutMs: v.optional(
    v.pipe(
      v.number(mustBe("timeoutMs must be a number of milliseconds")),
      v.integer("timeoutMs must be a whole number"),
      v.minValue(100, "timeoutMs must be at least 100"),
      v.maxValue(30_000, "timeoutMs must be at most 30000"),
      v.description("Milliseconds to wait for a 2xx, 100 to 30000; default 10000."),
    ),
  ),
  enabled: v.optional(
    v.pipe(
      v.boolean(mustBe("enabled must be true or false")),
      v.description(
        "false: the target receives nothing new, and its pending retries become dead letters (reason disabled).",
      ),
    ),
  ),
};
export type SharedFields = typeof SHARED_FIELDS;

/** A webhook target: the CloudEvent, signed as Standard Webhooks specifies (docs/delivery.md, "Targets"). */
const WebhookTargetSchema = v.strictObject(
  {
    id: SHARED_FIELDS.id,
    url: SHARED_FIELDS.url,
    kind: v.optional(
      v.pipe(
        v.literal("webhook"),
        v.description(
          `"webhook" (the default): the CloudEvent, signed as Standard Webhooks specifies. Chat bots: ${CHAT_KINDS.join(", ")}.`,
        ),
      ),
    ),
    secret: v.optional(
      v.pipe(
        v.union(
          [
            SigningSecret,
            v.pipe(
              v.array(SigningSecret),
              v.minLength(1, "secret must list at least one whsec_ secret"),
              v.maxLength(MAX_SECRETS, `secret lists at most ${MAX_SECRETS} secrets`),
            ),
          ],
          mustBe('secret must be a whsec_ string or an array of up to 3 of them, such as ["whsec_new…", "whsec_old…"]'),
        ),
        v.description(
          "Standard Webhooks signing secret: whsec_ + base64, or an array of up to 3 while rotating (each yields one signature). Omit to send unsigned.",
        ),
      ),
    ),
    types: SHARED_FIELDS.types,
    providers: SHARED_FIELDS.providers,
    headers: v.optional(
      v.pipe(
        v.record(
          // An invalid name or a line break would make the delivery's `new Headers()` throw.
          v.pipe(
            v.string(),
            v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, (issue) => `${issue.received} is not a valid HTTP header name`),
            notReserved,
          ),
          v.pipe(
            v.string(mustBe("a header value must be a string")),
            // Nor can a control character (tab aside) or a lone surrogate be sent: the first is refused or
            // dropped on the way, the second goes out as bytes that are not UTF-8.
            v.regex(
              // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses.
              /^(?:[^\0-\x08\n-\x1f\x7f\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/,
              "a header value must not contain line breaks, control characters or lone surrogates",
            ),
          ),
          mustBe('headers must be an object such as {"x-api-key": "…"}'),
        ),
        v.description(
          `Static headers sent with every delivery. The relay sets ${RESERVED_HEADERS.join(", ")} and webhook-* itself: they cannot be set here.`,
        ),
      ),
    ),
    timeoutMs: SHARED_FIELDS.timeoutMs,
    enabled: SHARED_FIELDS.enabled,
  },
  targetIssue,
);

/**
 * One downstream target: a webhook (no `kind`, or `"webhook"`) or a team chat's bot
 * (docs/chat-targets.md), told apart by `kind`.
 */
const TargetSchema = v.variant(
  "kind",
  [
    WebhookTargetSchema,
    signedChatTargetSchema("feishu", SHARED_FIELDS),
    signedChatTargetSchema("dingtalk", SHARED_FIELDS),
    unsignedChatTargetSchema("wecom", SHARED_FIELDS),
    unsignedChatTargetSchema("slack", SHARED_FIELDS),
  ],
  (issue) => {
    if (issue.expected === "Object") return `${NOT_A_TARGET}, got ${kindOf(issue.input)}`;
    const got = typeof issue.input === "string" ? issue.received : kindOf(issue.input);
    return `kind must be one of ${TARGET_KINDS.join(", ")}, got ${got}`;
  },
);

export const TargetsSchema = v.pipe(
  v.array(TargetSchema, mustBe("the targets document must be a JSON array of targets")),
  v.title("meeting-relay targets"),
  v.description("meeting-relay targets (KV RELAY_CONFIG, key targets)"),
);

export type Target = v.InferOutput<typeof TargetSchema>;
export type WebhookTarget = v.InferOutput<typeof WebhookTargetSchema>;
export type ChatTarget = Exclude<Target, WebhookTarget>;
