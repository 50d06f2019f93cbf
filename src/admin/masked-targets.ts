import type { Problem } from "../config/targets";
import { parseJson } from "../lib/json";
import { maskTargets } from "./mask";

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

/** A targets document as the admin API answers it: write-only values masked, indented as stored. */
export function maskedDocument(document: unknown): Response {
  return new Response(`${JSON.stringify(maskTargets(document), null, 2)}\n`, { headers: JSON_TYPE });
}

/**
 * The stored document a masked value may stand for: `[]` when none is stored or it is not JSON.
 * A stored text whose only fault is a trailing comma (the commonest slip of a hand-written
 * document) still counts, so that fixing it in the console keeps the secrets it showed masked.
 */
export function storedDocument(text: string | null): unknown {
  if (text === null) return [];
  const parsed = parseJson(text);
  if (parsed.ok) return parsed.value;
  const lenient = parseJson(text.replace(/,(\s*[}\]])/g, "$1"));
  return lenient.ok ? lenient.value : [];
}

/**
 * Masked values that stand for nothing stored, with the document's other problems, grouped by target
 * in document order; validation's complaint about such a value (it is no `whsec_` secret) is dropped.
 */
export function withMaskProblems(masked: readonly Problem[], others: readonly Problem[]): Problem[] {
  const paths = new Set(masked.map((problem) => problem.path));
  const indexOf = (problem: Problem) => Number(/^\$\[(\d+)\]/.exec(problem.path)?.[1] ?? -1);
  return [...masked, ...others.filter((problem) => !paths.has(problem.path))]
    .map((problem, order) => ({ problem, order }))
    .sort((a, b) => indexOf(a.problem) - indexOf(b.problem) || a.order - b.order)
    .map(({ problem }) => problem);
}
