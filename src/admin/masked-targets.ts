import { type Problem, parseJson } from "../config/targets";
import { maskTargets } from "./mask";

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

/** A targets document as the admin API answers it: write-only values masked, indented as stored. */
export function maskedDocument(document: unknown): Response {
  return new Response(`${JSON.stringify(maskTargets(document), null, 2)}\n`, { headers: JSON_TYPE });
}

/** The stored document a masked value may stand for: `[]` when none is stored or it is not JSON. */
export function storedDocument(text: string | null): unknown {
  const parsed = text === null ? undefined : parseJson(text);
  return parsed?.ok ? parsed.value : [];
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
