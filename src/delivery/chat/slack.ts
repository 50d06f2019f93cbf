import { botError, type ChatAnswer } from "./answer";
import { type ChatBot, lineText } from "./bot";
import type { ChatContent } from "./content";
import { slackEntities, slackText } from "./escape";
import { escapedWithin, fitted } from "./fit";

/**
 * Slack's block limits: a header's text, a section's text (characters of the text as sent, entities
 * included); the fallback is kept as short.
 */
const SLACK_HEADER_CHARS = 150;
const SLACK_SECTION_CHARS = 3000;
const SLACK_TEXT_CHARS = 3000;

interface SlackMessage {
  text: string;
  /** The fallback `text` is shown as written: no bold, italics or strike-through from provider text. */
  mrkdwn: false;
  blocks: Record<string, unknown>[];
  unfurl_links: false;
  unfurl_media: false;
}

/**
 * Slack incoming webhooks: `blocks` (a header, the lines, the relay's file links) with a `text`
 * fallback for notifications. Everything the platform sent is in `plain_text` objects, with `&`, `<`
 * and `>` as entities; only the links section is `mrkdwn`, and it holds nothing but the relay's
 * own labels and https links. No unfurling: a link shows no preview.
 * https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/block-kit/blocks
 */
export const slack: ChatBot = {
  async request(target, content) {
    const message = fitted(content, (fit) => render(fit, target.locale), overflow, 0);
    return { url: target.url, body: JSON.stringify(message) };
  },
  answer(status, text): ChatAnswer {
    const said = text?.trim();
    if (status === 200 && said === "ok") return { outcome: "delivered" };
    const error = botError("slack", status, undefined, said === "" ? undefined : said);
    // 403: invalid_token / action_prohibited; 404: no_service / channel_not_found (the webhook is gone);
    // 410: channel_is_archived. A refusal pauses the target with Slack's word as the reason.
    if (status === 429) return { outcome: "rate-limited", error };
    if (status === 403 || status === 404 || status === 410) return { outcome: "refused", error };
    return { outcome: "failed", error };
  },
};

function render(content: ChatContent, locale: "zh-CN" | "en" | undefined): SlackMessage {
  const lines = content.lines.map((line) => slackText(lineText(line, locale)));
  const plain = (text: string) => ({ type: "plain_text", text, emoji: false });
  // The header is cut to its own limit here, so the lines below it need not shrink for a long title.
  const header = escapedWithin(content.title, slackText, SLACK_HEADER_CHARS);
  const blocks: Record<string, unknown>[] = [{ type: "header", text: plain(header) }];
  if (lines.length > 0) blocks.push({ type: "section", text: plain(lines.join("\n")) });
  if (content.links.length > 0) {
    const links = content.links.map((link) => `<${slackUrl(link.url)}|${slackEntities(link.label)}>`);
    blocks.push({ type: "section", text: { type: "mrkdwn", text: links.join("\n") } });
  }
  return {
    text: [slackText(content.title), ...lines].join("\n"),
    mrkdwn: false,
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** A link inside `<…|…>`: `|` and `>` would end it early, so they are percent-encoded, then `&` made an entity. */
function slackUrl(url: string): string {
  return slackEntities(url.replace(/\|/g, "%7C").replace(/</g, "%3C").replace(/>/g, "%3E"));
}

/** How far past Slack's limits a message is (0: within them all); the header was cut to its limit as it was rendered. */
function overflow(message: SlackMessage): number {
  const textOf = (block: Record<string, unknown> | undefined) =>
    ((block?.text as { text?: string })?.text ?? "").length;
  const [, ...sections] = message.blocks;
  return Math.max(
    0,
    ...sections.map((section) => textOf(section) - SLACK_SECTION_CHARS),
    message.text.length - SLACK_TEXT_CHARS,
  );
}
