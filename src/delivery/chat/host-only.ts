/**
 * A chat target's URL holds its bot's token: text about a send (a network error, a bot's message)
 * keeps the URL's host and loses every other part of it.
 */
export function hostOnly(text: string, ...urls: string[]): string {
  const parts = new Set<string>();
  for (const url of urls) {
    parts.add(url);
    if (!URL.canParse(url)) continue;
    const parsed = new URL(url);
    for (const part of [
      parsed.href,
      `${parsed.pathname}${parsed.search}`,
      parsed.search,
      ...parsed.searchParams.values(),
    ]) {
      parts.add(part);
      parts.add(encodeURIComponent(part));
    }
    for (const segment of parsed.pathname.split("/")) parts.add(segment);
  }
  // Longest first, so the whole URL goes before the pieces it contains; short pieces are no secret.
  const secrets = [...parts].filter((part) => part.length >= 8).sort((a, b) => b.length - a.length);
  return secrets.reduce((redacted, part) => redacted.replaceAll(part, "…"), text);
}
