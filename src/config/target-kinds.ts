/** Team chats whose incoming-webhook bots a target can be (docs/chat-targets.md). */
export const CHAT_KINDS = ["feishu", "dingtalk", "wecom", "slack"] as const;
export type ChatKind = (typeof CHAT_KINDS)[number];

/** Every `kind` a target may set; `webhook` is the default. */
export const TARGET_KINDS = ["webhook", ...CHAT_KINDS] as const;

/** The chats whose bots check a signature made with their signing secret; the others have none. */
export const SIGNED_CHAT_KINDS = ["feishu", "dingtalk"] as const satisfies readonly ChatKind[];
export const UNSIGNED_CHAT_KINDS = ["wecom", "slack"] as const satisfies readonly ChatKind[];

/** The languages a chat message can be written in; `zh-CN` is the default. */
export const CHAT_LOCALES = ["zh-CN", "en"] as const;
export type ChatLocale = (typeof CHAT_LOCALES)[number];

/** Fields only a chat target takes. */
export const CHAT_ONLY_FIELDS = ["locale", "rateLimit", "templates"] as const;

/** The platforms' own names, for messages that tell an operator what a field means there. */
export const CHAT_NAMES: Readonly<Record<ChatKind, string>> = {
  feishu: "Feishu/Lark custom bots",
  dingtalk: "DingTalk custom robots",
  wecom: "WeCom group robots",
  slack: "Slack incoming webhooks",
};

/**
 * What a chat target without `types` receives: the moments a team wants announced, not every
 * participant joining. Never `relay.*`: the relay's own events go only where they are named.
 */
export const DEFAULT_CHAT_TYPES = [
  "meeting.started",
  "meeting.ended",
  "recording.*",
  "transcript.*",
  "summary.*",
] as const;
