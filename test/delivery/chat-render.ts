/**
 * What each chat would make of a message the relay sent: the text a reader sees, and everything the
 * chat would interpret (mentions, links, images, formatting). Deliberately stricter than the real
 * clients: anything any of them might act on counts (a bare `https://x` or `example.com` may be
 * linked; `<at …>` or `<!channel>` in any text may mention).
 */
export interface Rendered {
  /** What a reader sees, escapes resolved, zero-width spaces gone. */
  visible: string;
  mentions: string[];
  links: string[];
  images: string[];
  /** Formatting the chat would apply, as `kind:text`. */
  formatting: string[];
}

const ZWSP = /\u200b/g;
const PUA = 0xe000;

/**
 * A character of a domain name's label as a linkifier that knows international names may read it: letters
 * and digits of any script, combining marks (`e` + U+0301 is `é`), and the invisible format characters it
 * drops (a soft hyphen, a word joiner), all but the zero-width space, which ends a name.
 */
const LABEL = String.raw`(?:(?!\u200b)[\p{L}\p{N}\p{M}\p{Cf}_-])`;
/** What separates a domain's labels: the dot, and the three dots IDNA reads as one (。 ． ｡). */
const DOT = String.raw`[.\u3002\uff0e\uff61]`;
const AUTOLINK = new RegExp(
  String.raw`https?:\/\/[^\s\u200b]+|www${DOT}[^\s\u200b]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|${LABEL}+(?:${DOT}${LABEL}+)*${DOT}(?:(?!\u200b)[\p{L}\p{M}\p{Cf}]){2,}`,
  "giu",
);

/** What clients link on their own: schemes, `www.`, bare domains and e-mail addresses. */
function autolinks(text: string): string[] {
  // A zero-width space is no part of an address: it ends one, as any character outside these classes does.
  return [...text.matchAll(AUTOLINK)].map((match) => match[0]);
}

/** `@所有人`, `@all`, a phone number or user id after `@`: what DingTalk and WeCom texts mention with. */
function atMentions(text: string): string[] {
  return [...text.matchAll(/@(?:所有人|all|everyone|here|channel|\d{5,}|[A-Za-z][\w-]*)/g)].map((match) => match[0]);
}

/**
 * Markdown (DingTalk, WeCom): backslash escapes resolved first, then every construct either might act on.
 * `honoursEscapes: false` reads it as a client that ignores backslash escapes would: each `\\` is then a
 * character like any other, and every pattern still applies.
 */
export function renderMarkdown(markdown: string, { honoursEscapes = true } = {}): Rendered {
  // An escaped punctuation character is kept out of every pattern below by moving it to the private use area.
  const active = honoursEscapes
    ? markdown.replace(/\\([!-/:-@[-`{-~])/g, (_, char: string) => String.fromCharCode(PUA + char.charCodeAt(0)))
    : markdown;
  const visible = active
    .replace(/[\ue000-\ue07f]/g, (char) => String.fromCharCode(char.charCodeAt(0) - PUA))
    .replace(ZWSP, "");
  const images = [...active.matchAll(/!\[[^\]]*\]\(([^)\s]*)\)/g)].map((match) => match[1] ?? "");
  const links = [...active.matchAll(/(?<!!)\[[^\]]*\]\(([^)\s]*)\)/g)].map((match) => match[1] ?? "");
  // Link targets are not text a client scans for more links.
  const prose = active.replace(/!?\[([^\]]*)\]\([^)\s]*\)/g, "$1");
  const formatting = [
    ...[...prose.matchAll(/\*\*(.+?)\*\*|__(.+?)__/g)].map((match) => `bold:${match[1] ?? match[2]}`),
    ...[...prose.matchAll(/(?<![*\w])\*(?![*\s])([^*]+?)\*(?!\*)/g)].map((match) => `italic:${match[1]}`),
    ...[...prose.matchAll(/~~(.+?)~~/g)].map((match) => `strike:${match[1]}`),
    ...[...prose.matchAll(/`([^`]+)`/g)].map((match) => `code:${match[1]}`),
    ...[...prose.matchAll(/^ {0,3}(#{1,6})(?:\s|$)(.*)$/gm)].map((match) => `heading:${match[2]}`),
    ...[...prose.matchAll(/^ {0,3}>(.*)$/gm)].map((match) => `quote:${match[1]}`),
    ...[...prose.matchAll(/^ {0,3}(?:[-+*]|\d+[.)])\s(.*)$/gm)].map((match) => `list:${match[1]}`),
    ...[...prose.matchAll(/<\/?[A-Za-z][^>]*>/g)].map((match) => `tag:${match[0]}`),
  ];
  const mentions = [...[...prose.matchAll(/<@[^>]*>/g)].map((match) => match[0]), ...atMentions(prose)];
  return { visible, mentions, links: [...links, ...autolinks(prose)], images, formatting };
}

export function renderDingtalk(body: Record<string, unknown>): Rendered & { title: Rendered } {
  const { title, text } = body.markdown as { title: string; text: string };
  const titleSeen = plainText(title);
  return { ...renderMarkdown(text), title: titleSeen };
}

export function renderWecom(body: Record<string, unknown>): Rendered {
  return renderMarkdown((body.markdown as { content: string }).content);
}

/** Plain text a client may still scan for links and mentions (a Feishu text element, a DingTalk title). */
function plainText(text: string): Rendered {
  const visible = text.replace(ZWSP, "");
  return {
    visible,
    mentions: [...[...text.matchAll(/<at\b[^>]*>|<@[^>]*>/gi)].map((match) => match[0]), ...atMentions(text)],
    links: autolinks(text),
    images: [],
    formatting: [...text.matchAll(/<\/?[A-Za-z][^>]*>/g)].map((match) => `tag:${match[0]}`),
  };
}

/** Feishu `post`: `a` elements link, `at` elements mention, `img` elements show; text elements are text. */
export function renderFeishu(body: Record<string, unknown>): Rendered {
  const post = (body.content as { post: Record<string, { title: string; content: Record<string, string>[][] }> }).post;
  const [language] = Object.values(post);
  const parts: Rendered[] = [plainText(language?.title ?? "")];
  for (const element of (language?.content ?? []).flat()) {
    if (element.tag === "text") parts.push(plainText(element.text ?? ""));
    else if (element.tag === "a")
      parts.push({ ...plainText(element.text ?? ""), links: [element.href ?? ""], mentions: [] });
    else if (element.tag === "at") parts.push({ ...plainText(""), mentions: [element.user_id ?? ""] });
    else if (element.tag === "img") parts.push({ ...plainText(""), images: [element.image_key ?? ""] });
  }
  return merge(parts);
}

/** Slack: `<…>` is markup everywhere (mentions `<!channel>` `<@U1>`, links `<url|text>`); mrkdwn also formats. */
export function renderSlack(body: Record<string, unknown>): Rendered {
  const texts: { text: string; mrkdwn: boolean }[] = [{ text: String(body.text), mrkdwn: body.mrkdwn !== false }];
  for (const block of body.blocks as { text?: { type: string; text: string } }[]) {
    if (block.text) texts.push({ text: block.text.text, mrkdwn: block.text.type === "mrkdwn" });
  }
  return merge(
    texts.map(({ text, mrkdwn }) => {
      const specials = [...text.matchAll(/<([^>]*)>/g)].map((match) => match[1] ?? "");
      const mentions = specials.filter((special) => /^[!@#]/.test(special));
      const links = specials.filter((special) => !/^[!@#]/.test(special)).map((special) => special.split("|")[0] ?? "");
      const shown = text
        .replace(/<[^>|]*\|([^>]*)>/g, "$1")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&")
        .replace(ZWSP, "");
      const formatting = mrkdwn
        ? [...text.matchAll(/(?<!\w)([*_~`])(?!\s)([^*_~`]+?)\1(?!\w)/g)].map((match) => `${match[1]}:${match[2]}`)
        : [];
      return { visible: shown, mentions, links, images: [], formatting };
    }),
  );
}

function merge(parts: Rendered[]): Rendered {
  return {
    visible: parts.map((part) => part.visible).join("\n"),
    mentions: parts.flatMap((part) => part.mentions),
    links: parts.flatMap((part) => part.links),
    images: parts.flatMap((part) => part.images),
    formatting: parts.flatMap((part) => part.formatting),
  };
}
