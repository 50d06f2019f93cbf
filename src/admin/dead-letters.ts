import { Hono } from "hono/tiny";
import type { Env } from "../core/env";
import { RelayError } from "../core/errors";
import { bulkReplay } from "../delivery/dead-letters/bulk-replay";
import { replayDeadLetter } from "../delivery/dead-letters/replay";
import { ReplayInterruptedError } from "../delivery/dead-letters/replay-batches";
import type { ReplayProgress } from "../delivery/dead-letters/replay-pages";
import {
  DEAD_LETTER_REASONS,
  deadLetterPrefix,
  deleteDeadLetter,
  isDeadLetterId,
  isDeadLetterReason,
  listDeadLetters,
  readDeadLetter,
  TARGET_FILTER_PATTERN,
} from "../delivery/dead-letters/store";
import { bulkReplayFilter, MAX_BULK_REPLAY_BODY_BYTES } from "./bulk-replay-body";
import { kvPage, onlyParams, pageSize, requestText } from "./params";
import type { AdminEnv } from "./request-log";
import { stateWrite } from "./state-write";

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;

/** `/admin/dead-letters`: list, replay and discard deliveries that used up their schedule. */
export const deadLetters = new Hono<AdminEnv>();

deadLetters.get("/", async (c) => {
  onlyParams(c, ["target", "reason", "cursor", "limit"]);
  const limit = pageSize(c.req.query("limit"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const target = c.req.query("target") || undefined;
  if (target !== undefined && !TARGET_FILTER_PATTERN.test(target)) {
    throw new RelayError(400, "invalid_query", "target must be a target id (1 to 64 of a-z, 0-9, _ and -) or *");
  }
  const reason = c.req.query("reason") || undefined;
  if (reason !== undefined && !isDeadLetterReason(reason)) {
    throw new RelayError(400, "invalid_query", `reason must be one of ${DEAD_LETTER_REASONS.join(", ")}`);
  }
  const page = await kvPage(deadLetterPrefix(target), c.req.query("cursor") || undefined, (cursor) =>
    listDeadLetters(c.env.RELAY_STATE, { target, reason, cursor, limit }),
  );
  return c.json(page);
});

/**
 * Bulk replay: body `{"target"?, "reason"?, "since"?}` (empty: every dead letter). Replays one
 * bounded page of the letters it matches, oldest first within the page: 202
 * `{"replayed", "remaining"}`; call again while `remaining` is true.
 */
deadLetters.post("/replay", async (c) => {
  const text = await requestText(
    c,
    MAX_BULK_REPLAY_BODY_BYTES,
    `the body exceeds ${MAX_BULK_REPLAY_BODY_BYTES} bytes: send only the filter`,
  );
  const { target, ...filter } = bulkReplayFilter(text);
  let progress: ReplayProgress;
  try {
    progress = await bulkReplay(c.env, target, filter);
  } catch (error) {
    const done = error instanceof ReplayInterruptedError ? ` after ${error.replayed} dead letters were replayed` : "";
    throw new RelayError(503, "queue_unavailable", `the replay could not finish${done}; the rest are kept, try again`);
  }
  const since = filter.since === undefined ? {} : { since: new Date(filter.since).toISOString() };
  c.set("logFields", { target, reason: filter.reason, ...since, ...progress });
  return c.json(progress, 202);
});

deadLetters.post("/:id/replay", async (c) => {
  const id = c.req.param("id");
  const letter = await existing(c.env, id);
  if (letter === "unreadable") {
    throw new RelayError(
      409,
      "unreadable_dead_letter",
      `dead letter "${id}" is not a record the relay wrote and cannot be replayed; delete it with DELETE /admin/dead-letters/${id}`,
    );
  }
  c.set("logFields", { deadLetter: letter.id, target: letter.target, event: letter.event.id });
  try {
    // A letter another replay claimed a moment ago is queued by that one (and logged so): once, either way.
    await replayDeadLetter(c.env, letter);
  } catch {
    throw new RelayError(
      503,
      "queue_unavailable",
      "the replay could not be queued; the dead letter is kept, try again",
    );
  }
  return c.json({ id: letter.id, target: letter.target, event: letter.event.id, status: "queued" }, 202);
});

deadLetters.delete("/:id", async (c) => {
  const id = c.req.param("id");
  const letter = await existing(c.env, id);
  // A record the relay did not write is deleted all the same: this is how an operator clears it.
  c.set(
    "logFields",
    letter === "unreadable"
      ? { deadLetter: id, outcome: "unreadable" }
      : { deadLetter: id, target: letter.target, event: letter.event.id },
  );
  await stateWrite(() => deleteDeadLetter(c.env.RELAY_STATE, id), "the deletion");
  return c.json({ id, status: "deleted" });
});

async function existing(env: Env, id: string) {
  const letter = isDeadLetterId(id) ? await readDeadLetter(env.RELAY_STATE, id) : null;
  if (letter === null) throw new RelayError(404, "unknown_dead_letter", `no dead letter with id "${id}"`);
  return letter;
}
