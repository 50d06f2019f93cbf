import { answerJson, classifyCode, numberField, textField } from "./answer";
import { type ChatBot, lineText } from "./bot";
import type { ChatContent } from "./content";
import { markdownText, markdownUrl } from "./escape";
import { fitted, utf8Bytes } from "./fit";

/** A group robot's markdown `content` may be at most 4096 bytes of UTF-8. */
const WECOM_CONTENT_BYTES = 4096;

/**
 * 93000: the webhook URL (its key) is invalid: the robot was removed. 45009 is the rate limit.
 * https://developer.work.weixin.qq.com/document/path/91770
 */
const REFUSED = [93000];
const RATE_LIMITED = 45009;

/** WeCom group robots: `markdown` with every value escaped; never `mentioned_list`, so nobody is mentioned. */
export const wecom: ChatBot = {
  async request(target, content) {
    const markdown = fitted(content, (fit) => text(fit, target.locale), utf8Bytes, WECOM_CONTENT_BYTES);
    return { url: target.url, body: JSON.stringify({ msgtype: "markdown", markdown: { content: markdown } }) };
  },
  answer(status, text) {
    const json = answerJson(text);
    return classifyCode(status, {
      bot: "wecom",
      code: numberField(json?.errcode),
      message: textField(json?.errmsg),
      rateLimited: (code) => code === RATE_LIMITED,
      refused: REFUSED,
    });
  },
};

function text(content: ChatContent, locale: "zh-CN" | "en" | undefined): string {
  return [
    `**${markdownText(content.title)}**`,
    ...content.lines.map((line) => markdownText(lineText(line, locale))),
    ...content.links.map((link) => `[${markdownText(link.label)}](${markdownUrl(link.url)})`),
  ].join("\n");
}
