import * as v from "valibot";
import { parseJson } from "../lib/json.ts";
import { MAX_JSON_DEPTH, valueNestsDeeperThan } from "../lib/json-depth.ts";
import { MAX_TARGETS } from "../lib/limits.ts";
import { isLocalHost } from "../lib/local-host.ts";
import { NOT_A_TARGET, type Target, TargetsSchema } from "./targets-schema.ts";

export interface Problem {
  /** JSON path, e.g. `$[0].url`. */
  path: string;
  message: string;
}

export type TargetsResult = { ok: true; targets: Target[] } | { ok: false; problems: Problem[] };

export interface ValidationOptions {
  allowInsecureTargets: boolean;
}

/**
 * Every problem of a targets document at once, or the targets. Never half-applies.
 * The settings-dependent checks (https, unique ids) run even when the schema
 * fails, so one round trip shows everything to fix.
 */
export function validateTargets(document: unknown, options: ValidationOptions): TargetsResult {
  const tooDeep = nestingProblem(document);
  if (tooDeep) return { ok: false, problems: [tooDeep] };
  const parsed = v.safeParse(TargetsSchema, document);
  const problems: Problem[] = [];
  // valibot takes an array for an object; one clear problem beats "id is required" plus a field per index.
  const arrayItems = new Set(
    Array.isArray(document) ? document.flatMap((item, i) => (Array.isArray(item) ? [i] : [])) : [],
  );
  for (const issue of parsed.success ? [] : parsed.issues) {
    if (!arrayItems.has(issue.path?.[0]?.key as number))
      problems.push({ path: jsonPath(issue.path), message: issue.message });
  }
  for (const index of arrayItems) problems.push({ path: `$[${index}]`, message: `${NOT_A_TARGET}, got an array` });
  if (Array.isArray(document)) problems.push(...crossChecks(document, options));
  if (Array.isArray(document) && document.length > MAX_TARGETS) problems.unshift(tooManyTargets(document.length));
  if (parsed.success && problems.length === 0) return { ok: true, targets: parsed.output };
  return { ok: false, problems: byTarget(problems) };
}

/**
 * A document listing more targets than the relay takes: each event reads the pause state of every
 * target and queues those it does not attempt itself, within its share of one invocation's operations.
 */
function tooManyTargets(count: number): Problem {
  return { path: "$", message: `targets document lists ${count} targets; the relay takes at most ${MAX_TARGETS}` };
}

/** The largest targets document the relay takes (UTF-8 bytes): far below KV's 25 MiB; one is a few KiB. */
export const MAX_TARGETS_BYTES = 1024 * 1024;

/**
 * The one problem of a document that nests deeper than any target does, checked before anything
 * else reads it: masking, validation and the console's layout all walk it, and a document nested
 * thousands deep would exhaust their stack.
 */
export function nestingProblem(document: unknown): Problem | undefined {
  if (!valueNestsDeeperThan(document, MAX_JSON_DEPTH)) return undefined;
  return { path: "$", message: `targets document nests JSON deeper than ${MAX_JSON_DEPTH} levels` };
}

/** Names an object record cannot hold as data. */
const UNSAFE_NAMES = ["__proto__", "constructor", "prototype"];

/** Duplicate ids and url schemes, on whatever items look enough like targets. */
function crossChecks(items: unknown[], options: ValidationOptions): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return;
    const { id, url, headers, templates } = item as {
      id?: unknown;
      url?: unknown;
      headers?: unknown;
      templates?: unknown;
    };
    // The schema's records drop these names without a word (they would reach an object's prototype).
    for (const [field, record] of [
      ["headers", headers],
      ["templates", templates],
    ] as const) {
      for (const name of typeof record === "object" && record !== null ? Object.keys(record) : []) {
        if (UNSAFE_NAMES.includes(name))
          problems.push({ path: `$[${index}].${field}`, message: `${field} may not name "${name}"` });
      }
    }
    // The schema's record takes an array's indexes for names: `["x-api-key: …"]` would send a header `0`.
    if (Array.isArray(headers)) {
      problems.push({ path: `$[${index}].headers`, message: 'headers must be an object such as {"x-api-key": "…"}' });
    }
    if (typeof id === "string") {
      if (seen.has(id)) problems.push({ path: `$[${index}].id`, message: `duplicate id "${id}"` });
      seen.add(id);
    }
    const parsedUrl = typeof url === "string" && URL.canParse(url) ? new URL(url) : undefined;
    const urlProblem = parsedUrl && checkUrl(parsedUrl, options);
    if (urlProblem) problems.push({ path: `$[${index}].url`, message: urlProblem });
  });
  return problems;
}

/** Problems grouped by target index, in document order (stable within one target). */
function byTarget(problems: Problem[]): Problem[] {
  const indexOf = (path: string) => Number(/^\$\[(\d+)\]/.exec(path)?.[1] ?? -1);
  return problems
    .map((problem, order) => ({ problem, order }))
    .sort((a, b) => indexOf(a.problem.path) - indexOf(b.problem.path) || a.order - b.order)
    .map(({ problem }) => problem);
}

function checkUrl(url: URL, { allowInsecureTargets }: ValidationOptions): string | undefined {
  if (url.username || url.password)
    return "url must not hold a user name or password: put them in headers, which stay masked";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") {
    const local = isLocalHost(url);
    if (local && allowInsecureTargets) return undefined;
    return local
      ? "http:// targets need ALLOW_INSECURE_TARGETS=true (local development only)"
      : "url must use https:// (http:// is allowed only for localhost with ALLOW_INSECURE_TARGETS=true)";
  }
  return `url must use https://, got ${url.protocol}`;
}

/** `$[0].headers["x api"]`: dots for plain names, brackets for everything else. */
function jsonPath(path: v.BaseIssue<unknown>["path"]): string {
  let out = "$";
  for (const item of path ?? []) {
    const key = item.key;
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(key))) out += `.${String(key)}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Parses the stored text; a document that is not JSON is one problem at `$`. */
export function parseTargetsText(text: string | null, options: ValidationOptions): TargetsResult {
  if (text === null) return { ok: true, targets: [] };
  const parsed = parseJson(text);
  if (!parsed.ok)
    return { ok: false, problems: [{ path: "$", message: `targets is not valid JSON: ${parsed.error}` }] };
  return validateTargets(parsed.value, options);
}
