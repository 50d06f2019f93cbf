import type { Clock } from "./types";

/**
 * Whether a signed timestamp (milliseconds) lies within the replay window,
 * in either direction (a clock far in the future is as suspect as a stale one).
 */
export function isFresh(timestampMs: number, clock: Clock): boolean {
  if (clock.replayWindowSeconds === 0) return true;
  return Math.abs(clock.now - timestampMs) <= clock.replayWindowSeconds * 1000;
}
