/**
 * Provider text in a chat is literal text: it never mentions anyone, links, shows an image or
 * formats. Each chat gets the escaping its format needs; all of them get {@link defuseLinks}. The
 * zero-width space (U+200B) is invisible, so the reader sees the characters the platform sent.
 */
const ZWSP = "\u200b";

/**
 * Breaks what chat clients turn into links or mentions on their own (`https://x`, `www.x`,
 * `example.com`, `a@b.com`, `@all`): a zero-width space after `://`, before a dot that joins two
 * names, and after every `@`. A name may end or start in a combining mark (`e` + U+0301) or an
 * invisible format character a linkifier drops (a soft hyphen), and IDNA reads `。`, `．` and `｡` as dots.
 */
function defuseLinks(text: string): string {
  return text
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/(?<=[\p{L}\p{N}\p{M}\p{Cf}_-])[.\u3002\uff0e\uff61](?=[\p{L}\p{N}\p{M}\p{Cf}])/gu, `${ZWSP}$&`)
    .replace(/@/g, `@${ZWSP}`);
}

/**
 * Feishu `post` text elements are literal (no markdown, no HTML), but `<at user_id="…">` is what
 * Feishu's text messages mention with: a `<` followed by a zero-width space is no tag anywhere, and
 * `@` is followed by one too (see {@link defuseLinks}).
 * https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 */
export function feishuText(text: string): string {
  return defuseLinks(text).replace(/</g, `<${ZWSP}`);
}

/**
 * ASCII punctuation markdown acts on anywhere in a line (CommonMark lets a backslash escape each):
 * emphasis, code, link and image brackets (with `[` escaped, `(` and `!` can start nothing), tags,
 * entities, headings' closing `#`, strike-through, tables.
 */
const MARKDOWN_INLINE = /[\\`*_[\]#<>~|&]/g;
/** What acts only at the start of a line: lists (`-`, `+`), rules and heading underlines (`---`, `===`). */
const MARKDOWN_LINE_MARK = /^(\s*)([-+=])/;
/**
 * Where a link or an image joins its text to its target (`](`, `][`, a reference's `]:`): a zero-width
 * space there holds even in a client that ignores backslash escapes.
 */
const LINK_JOINT = /\](?=[(:[])/g;
/** An ordered list item (`1.` or `1)`). */
const MARKDOWN_LINE_NUMBER = /^(\s*\d+)([.)])/;

/**
 * DingTalk and WeCom `markdown`: markdown punctuation backslash-escaped (so `[x](y)`, `![x](y)`,
 * `**bold**`, `# heading` and `<font color="red">` show as written), and a zero-width space after
 * every `<` and `@` (see {@link defuseLinks}), so neither `<@userid>` (WeCom's mention) nor `@所有人` / `@13800000000`
 * (DingTalk's) can mention. The relay never sends DingTalk's `at` object nor WeCom's `mentioned_list`.
 * https://open.dingtalk.com/document/orgapp/custom-bot-send-message-type,
 * https://developer.work.weixin.qq.com/document/path/91770#markdown类型
 */
export function markdownText(text: string): string {
  return defuseLinks(text)
    .replace(MARKDOWN_INLINE, "\\$&")
    .replace(MARKDOWN_LINE_MARK, "$1\\$2")
    .replace(MARKDOWN_LINE_NUMBER, "$1\\$2")
    .replace(LINK_JOINT, `]${ZWSP}`)
    .replace(/</g, `<${ZWSP}`);
}

/** A link the relay built, as a markdown link target: nothing in it can end the link early. */
export function markdownUrl(url: string): string {
  return url.replace(/[()\s<>\\]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** A title DingTalk shows in the chat list as plain text: no escaping to see, but no mention either. */
export function plainTitle(text: string): string {
  return defuseLinks(text).replace(/</g, `<${ZWSP}`);
}

/**
 * Slack: `&`, `<` and `>` become entities, the only three Slack decodes, so `<!channel>`, `<@U123>`
 * and `<https://x|y>` show as written; provider text goes in `plain_text` objects, never `mrkdwn`.
 * https://api.slack.com/reference/surfaces/formatting#escaping
 */
export function slackText(text: string): string {
  return slackEntities(defuseLinks(text));
}

/** The three characters Slack reads as markup, as the entities it shows as those characters. */
export function slackEntities(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
