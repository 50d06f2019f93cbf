import type { Env } from "../core/env";
import { errorMessage } from "../core/errors";
import { log } from "../core/log";

/**
 * D1 `RELAY_LOG` `replay_claims` (migrations/0004): a replay claims each dead letter there before it
 * queues it, and sends only the letters it claimed. KV cannot decide this: two replays at once (two
 * operators, a client retrying a replay that timed out) both read a record before either deletes it, and
 * a record deleted a moment ago is still served for up to a minute where it was read before. D1 has one
 * writer, so of two claims of one letter exactly one succeeds.
 *
 * A claim names the letter and the time it was last attempted: a letter that fails again and is kept
 * again is a new claim. It lapses after {@link CLAIM_HELD_MS}, long past any replay that read the
 * record before it was deleted; a letter whose record KV did not delete is replayable again after it.
 */
export const CLAIM_HELD_MS = 10 * 60_000;

/** What a claim is kept in the table for, lapsed, before retention deletes it. */
export const CLAIM_KEPT_MS = 60 * 60_000;

/** What a claim names: a dead letter (its id, and when it was last attempted) as a replay holds it. */
interface Claimable {
  letter: { id: string; lastAttemptAt: string };
}

const claimOf = ({ letter }: Claimable) => `${letter.id}@${letter.lastAttemptAt}`;

/**
 * Who claims, and when: a replay (`replay:<random id>`, one per call) or the consumer of a kept delivery's
 * own replay (`message:<queue message id>`, the same on every retry of the message, so a retry takes its
 * claim again).
 */
interface Claimant {
  by: string;
  at: number;
}

/** A claimant for one replay call. */
export const replayClaimant = (at: number): Claimant => ({ by: `replay:${crypto.randomUUID()}`, at });

/**
 * Claims `letters` for `claimant`, in one statement (the claims travel as one JSON parameter, so a full
 * queue batch stays within D1's 100 bound parameters): a letter is the claimant's when no claim of it is
 * held, the one held has lapsed, or it is the claimant's own. Returns the letters claimed. Without an event log
 * (`RELAY_LOG` not bound), or when D1 fails, every letter is returned and the failure logged: a replay
 * goes on as it would without claims (a resume must not wait for D1), at the risk of a second send
 * only if another replay of the same letters runs at that moment.
 */
export async function claimLetters<T extends Claimable>(
  env: Env,
  letters: readonly T[],
  claimant: Claimant,
): Promise<T[]> {
  if (letters.length === 0 || env.RELAY_LOG === undefined) return [...letters];
  try {
    const { results } = await env.RELAY_LOG.prepare(
      `INSERT INTO replay_claims (letter, claimed_at, claimant) SELECT value, ?1, ?4 FROM json_each(?3) WHERE true
       ON CONFLICT (letter) DO UPDATE SET claimed_at = excluded.claimed_at, claimant = excluded.claimant
       WHERE replay_claims.claimed_at <= ?2 OR replay_claims.claimant = excluded.claimant
       RETURNING letter`,
    )
      .bind(claimant.at, claimant.at - CLAIM_HELD_MS, JSON.stringify(letters.map(claimOf)), claimant.by)
      .all<{ letter: string }>();
    const mine = new Set(results.map((row) => row.letter));
    return letters.filter((letter) => mine.has(claimOf(letter)));
  } catch (error) {
    log("dead-letter", { outcome: "claim-unavailable", reason: errorMessage(error), letters: letters.length });
    return [...letters];
  }
}

/**
 * Gives back the claims `claimant` made for letters it could not queue, so that trying again replays
 * them at once. A release that fails is logged; the claims then lapse on their own.
 */
export async function releaseClaims(env: Env, letters: readonly Claimable[], claimant: Claimant): Promise<void> {
  if (letters.length === 0 || env.RELAY_LOG === undefined) return;
  try {
    await env.RELAY_LOG.prepare(
      "DELETE FROM replay_claims WHERE letter IN (SELECT value FROM json_each(?2)) AND claimant = ?1",
    )
      .bind(claimant.by, JSON.stringify(letters.map(claimOf)))
      .run();
  } catch (error) {
    log("dead-letter", { outcome: "claim-release-failed", reason: errorMessage(error), letters: letters.length });
  }
}
