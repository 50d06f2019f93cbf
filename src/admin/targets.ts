import type { Context } from "hono";
import { Hono } from "hono/tiny";
import {
  forgetCachedTargets,
  loadTargets,
  MAX_TARGETS_BYTES,
  nestingProblem,
  type Problem,
  parseTargetsText,
  TARGETS_KEY,
  type Target,
  validateTargets,
} from "../config/targets";
import type { Env } from "../core/env";
import { errorResponse, RelayError } from "../core/errors";
import { log } from "../core/log";
import { settingsOf } from "../core/settings";
import { listPauses, PAUSE_PREFIX, pauseTarget } from "../delivery/pauses";
import { targetPaused } from "../delivery/relay-events/own-events";
import { reportNow } from "../delivery/relay-events/report";
import { readWaiting } from "../delivery/waiting";
import { parseJson } from "../lib/json";
import { KV_LIST_KEYS } from "../lib/limits";
import { invalidTargets } from "./invalid-targets";
import { hasMaskedValues, keepStoredValues } from "./mask";
import { maskedDocument, storedDocument, withMaskProblems } from "./masked-targets";
import { kvPage, onlyParams, pageSize, requestText } from "./params";
import type { AdminEnv } from "./request-log";
import { resume } from "./resume";
import { stateWrite } from "./state-write";

/** Marks the answer of GET while the stored document is invalid (its body is then an object, not the array). */
const INVALID_HEADER = { "x-targets-invalid": "1" };

/** `/admin/targets`: the targets document in KV `RELAY_CONFIG`, key `targets`. */
export const targets = new Hono<AdminEnv>();

/**
 * The stored document (`[]` when unset), secrets and header values masked (./mask.ts): they are
 * write-only. While the stored document is invalid the answer is still 200, marked by the header
 * `X-Targets-Invalid: 1`, with the stored text (masked), each problem on its line and how many
 * deliveries wait for it (./invalid-targets.ts), so that the console can open it and fix it.
 */
targets.get("/", async (c) => {
  const text = await c.env.RELAY_CONFIG.get(TARGETS_KEY);
  if (text === null) return c.json([]);
  const result = parseTargetsText(text, settingsOf(c.env));
  if (result.ok) return maskedDocument(JSON.parse(text));
  const waiting = await readWaiting(c.env.RELAY_STATE);
  c.set("logFields", { problems: result.problems.length });
  return c.json(
    invalidTargets(text, result.problems, waiting && { ...waiting, approximate: true }),
    200,
    INVALID_HEADER,
  );
});

/** Validate, then store; an invalid document changes nothing and lists every problem. */
targets.put("/", async (c) => {
  const text = await requestText(c, MAX_TARGETS_BYTES, `targets document exceeds ${MAX_TARGETS_BYTES} bytes`);
  const parsed = parseJson(text);
  if (!parsed.ok) throw new RelayError(400, "invalid_json", `request body is not valid JSON: ${parsed.error}`);
  const tooDeep = nestingProblem(parsed.value);
  if (tooDeep) return refuse(c, [tooDeep]);
  // A masked value (what GET showed) keeps the stored one.
  const unmasked = hasMaskedValues(parsed.value)
    ? keepStoredValues(parsed.value, storedDocument(await c.env.RELAY_CONFIG.get(TARGETS_KEY)))
    : { document: parsed.value, problems: [] };
  const result = validateTargets(unmasked.document, settingsOf(c.env));
  if (unmasked.problems.length > 0 || !result.ok) {
    return refuse(c, withMaskProblems(unmasked.problems, result.ok ? [] : result.problems));
  }
  const stored = `${JSON.stringify(result.targets, null, 2)}\n`;
  await stateWrite(() => c.env.RELAY_CONFIG.put(TARGETS_KEY, stored), "the targets document");
  // This isolate sees the change at once; others within their 5 s cache (and KV's propagation delay).
  forgetCachedTargets();
  c.set("logFields", { targets: result.targets.map((target) => target.id) });
  // Never echoed: the answer shows the secrets as GET does.
  return maskedDocument(result.targets);
});

/** The 400 for an invalid document, every problem listed; nothing is stored. */
function refuse(c: Context<AdminEnv>, problems: Problem[]): Response {
  c.set("logFields", { problems: problems.length });
  return errorResponse(400, "invalid_targets", "targets document is invalid", { fields: { problems } });
}

/**
 * `GET /admin/targets/paused`: the paused targets by id, since when and by whom (`gone`: it answered 410;
 * `operator`: paused here), a page at a time (`?limit=`, 1,000 by default, and `?cursor=`). One path
 * segment, so it never meets `/<id>/pause` or `/<id>/resume`.
 */
targets.get("/paused", async (c) => {
  onlyParams(c, ["cursor", "limit"]);
  const limit = pageSize(c.req.query("limit"), KV_LIST_KEYS, KV_LIST_KEYS);
  return c.json(
    await kvPage(PAUSE_PREFIX, c.req.query("cursor") || undefined, (cursor) =>
      listPauses(c.env.RELAY_STATE, limit, cursor),
    ),
  );
});

/** `POST /admin/targets/<id>/pause`: nothing more is sent to it; its deliveries are kept as `paused` dead letters. */
targets.post("/:id/pause", async (c) => {
  const id = await configuredTarget(c.env, c.req.param("id"));
  const pause = await stateWrite(() => pauseTarget(c.env.RELAY_STATE, id, "operator"), "the pause");
  c.set("logFields", { target: id });
  log("target", { target: id, outcome: "paused", reason: "paused by an operator" });
  // `relay.target.paused`, for the targets that name it (one send; none when no target does).
  if (!pause.kept) await reportNow(c.env, targetPaused(id, pause));
  return c.json({ target: id, paused: true, since: pause.since }, 202);
});

/** `POST /admin/targets/<id>/resume`: unpauses it and replays, in bounded pages, what it kept while paused. */
targets.post("/:id/resume", resume);

/** A target id of the current (valid) document, or 404: what a pause needs (a resume needs less, see ./resume.ts). */
async function configuredTarget(env: Env, id: string): Promise<string> {
  return (await currentTarget(env, id)).id;
}

/** The target with this id in the current document: 409 while the stored document is invalid, 404 when absent. */
export async function currentTarget(env: Env, id: string): Promise<Target> {
  const loaded = await loadTargets(env, settingsOf(env));
  if (!loaded.ok) {
    throw new RelayError(
      409,
      "stored_targets_invalid",
      "the stored targets document is invalid; PUT a valid one first",
    );
  }
  const target = loaded.targets.find((candidate) => candidate.id === id);
  if (target === undefined) throw new RelayError(404, "unknown_target", `no target with id "${id}"`);
  return target;
}
