/**
 * The value of the first `name=…` of a raw query string, still percent-encoded; `undefined` when there
 * is none. Split by hand because `URLSearchParams` turns a literal `+` (of base64, of a token) into a
 * space. A lone `name` without `=` counts as an empty value with `bare: "empty"`, and is passed over
 * with `bare: "skip"`.
 */
export function rawQueryValue(rawQuery: string, name: string, bare: "empty" | "skip"): string | undefined {
  for (const pair of rawQuery.split("&")) {
    const eq = pair.indexOf("=");
    if (eq === -1) {
      if (bare === "empty" && pair === name) return "";
    } else if (pair.slice(0, eq) === name) return pair.slice(eq + 1);
  }
  return undefined;
}

/** `decodeURIComponent`, which keeps a literal `+` as `+`; `undefined` when the text is not valid percent-encoding. */
export function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
