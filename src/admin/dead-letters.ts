import { Hono } from "hono";
import {
  deleteDeadLetter,
  isDeadLetterId,
  listDeadLetters,
  readDeadLetter,
  TARGET_FILTER_PATTERN,
} from "../delivery/dead-letters";
import { replayDeadLetter } from "../delivery/replay";
import type { Env } from "../env";
import { RelayError } from "../errors";
import { pageSize } from "./params";
import type { AdminEnv } from "./request-log";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** `/admin/dead-letters`: list, replay and discard deliveries that used up their schedule. */
export const deadLetters = new Hono<AdminEnv>();

deadLetters.get("/", async (c) => {
  const limit = pageSize(c.req.query("limit"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const target = c.req.query("target") || undefined;
  if (target !== undefined && !TARGET_FILTER_PATTERN.test(target)) {
    throw new RelayError(400, "target must be a target id (1 to 64 of a-z, 0-9, _ and -) or *");
  }
  const cursor = c.req.query("cursor") || undefined;
  try {
    return c.json(await listDeadLetters(c.env.RELAY_STATE, { target, cursor, limit }));
  } catch (error) {
    if (cursor !== undefined) throw new RelayError(400, "cursor is not valid: pass back a cursor from a previous page");
    throw error;
  }
});

deadLetters.post("/:id/replay", async (c) => {
  const letter = await existing(c.env, c.req.param("id"));
  c.set("logFields", { deadLetter: letter.id, target: letter.target, event: letter.event.id });
  try {
    await replayDeadLetter(c.env, letter);
  } catch {
    throw new RelayError(503, "the replay could not be queued; the dead letter is kept, try again");
  }
  return c.json({ id: letter.id, target: letter.target, event: letter.event.id, status: "queued" }, 202);
});

deadLetters.delete("/:id", async (c) => {
  const letter = await existing(c.env, c.req.param("id"));
  c.set("logFields", { deadLetter: letter.id, target: letter.target, event: letter.event.id });
  await deleteDeadLetter(c.env.RELAY_STATE, letter.id);
  return c.json({ id: letter.id, status: "deleted" });
});

async function existing(env: Env, id: string) {
  const letter = isDeadLetterId(id) ? await readDeadLetter(env.RELAY_STATE, id) : null;
  if (letter === null) throw new RelayError(404, `no dead letter with id "${id}"`);
  return letter;
}
