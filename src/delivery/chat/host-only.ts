/**
 * A chat target's URL holds its bot's token: text about a send (a network error, a bot's message)
 * keeps the URL's origin and loses every other part of it (`https://open.feishu.cn/…`).
 */
export function hostOnly(text: string, ...urls: string[]): string {
  const replacements = new Map<string, string>();
  for (const url of urls) {
    if (!URL.canParse(url)) {
      replacements.set(url, "…");
      continue;
    }
    const parsed = new URL(url);
    replacements.set(url, `${parsed.origin}/…`);
    replacements.set(parsed.href, `${parsed.origin}/…`);
    const pieces = [`${parsed.pathname}${parsed.search}`, parsed.search, ...parsed.searchParams.values()];
    for (const piece of [...pieces, ...parsed.pathname.split("/")]) {
      for (const form of [piece, encodeURIComponent(piece)]) if (!replacements.has(form)) replacements.set(form, "…");
    }
  }
  // Longest first, so the whole URL goes before the pieces it contains; short pieces are no secret.
  return [...replacements]
    .filter(([part]) => part.length >= 8)
    .sort(([a], [b]) => b.length - a.length)
    .reduce((redacted, [part, replacement]) => redacted.replaceAll(part, replacement), text);
}
