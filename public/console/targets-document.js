// `GET /admin/targets`: the targets (masked), or, while the stored document is invalid, its text
// (masked), each problem with its line, and how many deliveries wait for it.
import { api } from "./api.js";

/**
 * `{ invalid: false, targets }` or `{ invalid: true, targets: [], text, problems: [{path, line, column,
 * message}], waiting: {count, since} | null }`.
 */
export async function readTargets() {
  const answer = await api("GET", "/admin/targets");
  if (Array.isArray(answer)) return { invalid: false, targets: answer };
  if (answer?.invalid === true) {
    return {
      invalid: true,
      targets: [],
      text: typeof answer.text === "string" ? answer.text : "",
      problems: Array.isArray(answer.problems) ? answer.problems : [],
      waiting: answer.waiting ?? null,
    };
  }
  return { invalid: false, targets: [] };
}
