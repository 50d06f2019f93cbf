import { isRecord, parseJson } from "../json";
import { type Checked, reject } from "../types";

/**
 * The raw `check_str` value, URL-decoded with `decodeURIComponent`:
 * `URLSearchParams` would turn a literal `+` of the base64 into a space.
 */
export function checkStrOf(rawQuery: string): Checked<string> {
  for (const pair of rawQuery.split("&")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq) !== "check_str") continue;
    try {
      const value = decodeURIComponent(pair.slice(eq + 1));
      return value === "" ? reject(400, "check_str is empty") : { ok: true, value };
    } catch {
      return reject(400, "check_str is not URL-encoded");
    }
  }
  return reject(400, "missing check_str query parameter");
}

/** The body's `data` string exactly as sent: the signature covers it, encrypted or not. */
export function dataOf(body: string): Checked<string> {
  const parsed = parseJson(body);
  if (!isRecord(parsed)) return reject(400, "body is not a JSON object");
  if (typeof parsed.data !== "string" || parsed.data === "") return reject(400, "body has no data string");
  return { ok: true, value: parsed.data };
}
