import * as v from "valibot";
import type { Env } from "../env";
import { type Target, TargetsSchema } from "./targets-schema";

/** KV `RELAY_CONFIG` key holding the targets document. */
export const TARGETS_KEY = "targets";
/** How long one isolate trusts what it read; an admin PUT clears it at once. */
const CACHE_MS = 5_000;

export interface Problem {
  /** JSON path, e.g. `$[0].url`. */
  path: string;
  message: string;
}

export type TargetsResult = { ok: true; targets: Target[] } | { ok: false; problems: Problem[] };

export interface ValidationOptions {
  allowInsecureTargets: boolean;
}

/** Every problem of a targets document at once, or the targets. Never half-applies. */
export function validateTargets(document: unknown, options: ValidationOptions): TargetsResult {
  const parsed = v.safeParse(TargetsSchema, document);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })),
    };
  }
  const problems: Problem[] = [];
  const seen = new Set<string>();
  parsed.output.forEach((target, index) => {
    if (seen.has(target.id)) problems.push({ path: `$[${index}].id`, message: `duplicate id "${target.id}"` });
    seen.add(target.id);
    const urlProblem = checkUrl(new URL(target.url), options);
    if (urlProblem) problems.push({ path: `$[${index}].url`, message: urlProblem });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, targets: parsed.output };
}

function checkUrl(url: URL, { allowInsecureTargets }: ValidationOptions): string | undefined {
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") {
    const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
    if (local && allowInsecureTargets) return undefined;
    return local
      ? "http:// targets need ALLOW_INSECURE_TARGETS=true (local development only)"
      : "url must use https://";
  }
  return "url must use https://";
}

function jsonPath(path: v.BaseIssue<unknown>["path"]): string {
  let out = "$";
  for (const item of path ?? []) {
    out += typeof item.key === "number" ? `[${item.key}]` : `.${String(item.key)}`;
  }
  return out;
}

/** Parses the stored text; a document that is not JSON is one problem at `$`. */
export function parseTargetsText(text: string | null, options: ValidationOptions): TargetsResult {
  if (text === null) return { ok: true, targets: [] };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { ok: false, problems: [{ path: "$", message: "targets is not valid JSON" }] };
  }
  return validateTargets(document, options);
}

let cached: { at: number; env: Env; result: TargetsResult } | undefined;

/** The targets, validated, cached briefly per isolate. */
export async function loadTargets(env: Env, options: ValidationOptions, now = Date.now()): Promise<TargetsResult> {
  if (cached && cached.env === env && now - cached.at < CACHE_MS) return cached.result;
  const result = parseTargetsText(await env.RELAY_CONFIG.get(TARGETS_KEY), options);
  cached = { at: now, env, result };
  return result;
}

export function forgetCachedTargets(): void {
  cached = undefined;
}

export type { Target };
