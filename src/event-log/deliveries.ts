import type { Outcome } from "./journal";

/**
 * A delivery's latest state as the event's row keeps it (the `deliveries` JSON column, keyed by
 * target in order of first attempt). Short keys: the column is part of the covering index.
 */
export interface DeliveryState {
  /** The latest outcome. */
  o: Outcome;
  /** Requests made to the target (a delivery given up or parked without one adds none). */
  n: number;
  /** Requests that failed. */
  f: number;
  /** The last request's status (null or absent when none came back), time (ms) and duration. */
  s?: number | null;
  t?: number;
  ms?: number;
  /** `[status, ms, at]` of a first attempt that succeeded: the only record of it (no `attempts` row). */
  i?: [number, number, number];
}

/** The `state` column: the latest outcomes of an event's deliveries as bits. */
export const OUTCOME_BITS: Record<Outcome, number> = { delivered: 1, retry: 2, dead: 4, paused: 8 };

/** SQL for the `state` of a deliveries JSON expression (the sum of distinct bits is their OR). */
export function stateOf(deliveries: string): string {
  return `(SELECT coalesce(sum(DISTINCT CASE value ->> 'o' ${Object.entries(OUTCOME_BITS)
    .map(([outcome, bit]) => `WHEN '${outcome}' THEN ${bit}`)
    .join(" ")} ELSE 0 END), 0) FROM json_each(${deliveries}))`;
}

/** The bits of a set of deliveries, as {@link stateOf} computes them in SQL. */
export function stateBits(deliveries: Record<string, DeliveryState>): number {
  let bits = 0;
  for (const entry of Object.values(deliveries)) bits |= OUTCOME_BITS[entry.o];
  return bits;
}

/** The JSON path of a target's entry (target ids are `[a-z0-9_-]`, or `*` for "every target"). */
export function targetPath(target: string): string {
  return `$."${target.replace(/["\\]/g, "")}"`;
}
