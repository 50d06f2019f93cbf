import { DurableObject } from "cloudflare:workers";
import { QUEUE_MAX_DELAY_SECONDS } from "../../lib/limits";
import { type RateLimit, type RateWindow, rateWindows } from "./rate-windows";
import { SlotBook } from "./slot-book";

/** Send now, or come back from the queue in `waitSeconds` (a whole number, 1 to the queue's longest delay). */
export type SlotAnswer = { go: true } | { waitSeconds: number };

/**
 * How late a delivery may come back from the queue and still use the slot it was promised: queue
 * delays are approximate and a busy consumer starts late. One that comes later asks like a new one.
 */
export const TICKET_GRACE_MS = 5 * 60_000;

/**
 * Slots promised at once, at most: storage stays bounded however far a backlog reaches. Past it,
 * a delivery is told to come back when the promised slots are used, without a promise of its own.
 */
export const MAX_TICKETS = 10_000;

const GO: SlotAnswer = { go: true };
const MAX_DELAY_MS = QUEUE_MAX_DELAY_SECONDS * 1000;

/**
 * One per rate-limited chat target (named by the target's id), so every consumer invocation in
 * every location asks the same object, and it alone decides. It keeps the sends it granted and the
 * slots it promised in SQLite (Free plan too) and never grants a send that would put more than the
 * limit in any window: every window is checked against the granted sends themselves, so neither a
 * delivery that comes back late nor one that comes back early can break it.
 *
 * A burst goes out at once as far as the windows allow (a meeting's first few events arrive
 * without delay); the rest get tickets in order of asking, each for the first whole second after
 * the earliest time the windows (counting the tickets before it) allow. A delivery that comes back finds the earliest ticket
 * whose time has come and sends; if sends that came late still fill a window, the ticket moves to
 * when the window frees. A request with no ticket due while tickets are out queues behind them
 * (it may be a delivery that came back early: its old ticket is used by whoever comes next).
 *
 * Time is the caller's `now` (tests pass their own), never earlier than the latest send granted.
 */
export class ChatRateLimiter extends DurableObject {
  readonly #book = new SlotBook(this.ctx.storage.sql);

  /** Whether a chat message to this target may go now, or when to ask again. */
  take(limit: RateLimit, now: number): SlotAnswer {
    if (!Number.isFinite(now)) throw new RangeError("now is not a time in milliseconds");
    const windows = rateWindows(limit);
    if (windows.length === 0) return GO;
    const book = this.#book;
    book.open();
    const t = Math.max(Math.floor(now), book.latestSend() ?? Number.NEGATIVE_INFINITY);
    book.prune(t - Math.max(...windows.map((window) => window.ms)), t - TICKET_GRACE_MS);

    const sendsAllowedAt = freeAt(book, windows, false);
    const due = book.dueTicket(t);
    if (due !== undefined) {
      if (sendsAllowedAt <= t) {
        book.useTicket(due.id, t);
        return GO;
      }
      const wait = waitUntil(sendsAllowedAt, now);
      book.moveTicket(due.id, backAt(wait, now));
      return wait;
    }
    const tickets = book.tickets();
    if (tickets.count === 0 && sendsAllowedAt <= t) {
      book.recordSend(t);
      return GO;
    }
    const slot = Math.max(t, tickets.latest ?? t, freeAt(book, windows, true));
    const wait = waitUntil(slot, now);
    if (tickets.count >= MAX_TICKETS || slot - now > MAX_DELAY_MS) return wait;
    book.recordTicket(backAt(wait, now));
    return wait;
  }

  /** The record, oldest first: for tests and for looking at one target's state. */
  slots(): { at: number; sent: boolean }[] {
    this.#book.open();
    return this.#book.rows();
  }
}

/**
 * The earliest time every window has room for one more: a window of `max` holds `max` sends, so the
 * `max`-th latest must be a whole window old. With `tickets`, promised slots count as sends.
 */
function freeAt(book: SlotBook, windows: readonly RateWindow[], tickets: boolean): number {
  let free = Number.NEGATIVE_INFINITY;
  for (const window of windows) {
    const nth = book.nthLatest(window.max, { tickets });
    if (nth !== undefined) free = Math.max(free, nth + window.ms);
  }
  return free;
}

function waitUntil(at: number, now: number): { waitSeconds: number } {
  const seconds = Math.ceil((at - now) / 1000);
  return { waitSeconds: Math.min(Math.max(seconds, 1), QUEUE_MAX_DELAY_SECONDS) };
}

/**
 * A promised slot is when its delivery will be back: the queue delays in whole seconds, so a slot
 * 1.05 s away is used 2 s later, and the slots after it are planned from then. (Planned from 1.05 s,
 * they would all come due before the sends could happen, and every waiting delivery would ask again
 * and again.)
 */
function backAt({ waitSeconds }: { waitSeconds: number }, now: number): number {
  return Math.floor(now) + waitSeconds * 1000;
}
