/**
 * A link a platform sent, as the URL parser writes it, when it is an absolute `https:` URL with a host;
 * `undefined` for anything else (`http:`, `javascript:`, a relative path, a value that is not a string).
 * Targets and chat messages show these links, so nothing else is passed on as one; the parser's form has no
 * surrounding spaces or line breaks. The platform's own value stays in `data.raw`.
 */
export function httpsUrl(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const url = URL.parse(value);
  return url?.protocol === "https:" && url.hostname !== "" ? url.href : undefined;
}
