import { parseJson } from "../lib/json.ts";
import { MAX_TARGETS_BYTES, nestingProblem, type ValidationOptions, validateTargets } from "./validate-targets.ts";

interface TargetsReport {
  ok: boolean;
  /** What `npm run validate-targets` prints: one line per problem, or the count. */
  lines: string[];
}

/** The verdict on a targets file's text, as the command line shows it. */
export function reportTargets(text: string, fileName: string, options: ValidationOptions): TargetsReport {
  // What `PUT /admin/targets` refuses before it reads the document, in the same order.
  const bytes = new TextEncoder().encode(text).byteLength;
  if (bytes > MAX_TARGETS_BYTES) {
    return { ok: false, lines: [`${fileName}: $: ${bytes} bytes; the relay takes at most ${MAX_TARGETS_BYTES}`] };
  }
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, lines: [`${fileName}: $: not valid JSON: ${parsed.error}`] };
  const tooDeep = nestingProblem(parsed.value);
  if (tooDeep) return { ok: false, lines: [`${fileName}: ${tooDeep.path}: ${tooDeep.message}`] };
  const result = validateTargets(parsed.value, options);
  if (result.ok) {
    return { ok: true, lines: [`ok: ${result.targets.length} targets`] };
  }
  const count = result.problems.length;
  return {
    ok: false,
    lines: [
      ...result.problems.map((problem) => `${fileName}: ${problem.path}: ${problem.message}`),
      `${count} problem${count === 1 ? "" : "s"} in ${fileName}`,
    ],
  };
}
