import { isRecord, jsonValue } from "../../lib/json";
import { percentDecoded, rawQueryValue } from "../../lib/raw-query";
import { type Checked, reject } from "../types";

/**
 * The raw `check_str` value, URL-decoded with `decodeURIComponent`:
 * `URLSearchParams` would turn a literal `+` of the base64 into a space.
 */
export function checkStrOf(rawQuery: string): Checked<string> {
  const raw = rawQueryValue(rawQuery, "check_str", "skip");
  if (raw === undefined) return reject(400, "missing check_str query parameter");
  const value = percentDecoded(raw);
  if (value === undefined) return reject(400, "check_str is not URL-encoded");
  return value === "" ? reject(400, "check_str is empty") : { ok: true, value };
}

/** The body's `data` string exactly as sent: the signature covers it, encrypted or not. */
export function dataOf(body: string): Checked<string> {
  const parsed = jsonValue(body);
  if (!isRecord(parsed)) return reject(400, "body is not a JSON object");
  if (typeof parsed.data !== "string" || parsed.data === "") return reject(400, "body has no data string");
  return { ok: true, value: parsed.data };
}
