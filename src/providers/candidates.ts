import type { Candidate, CredentialSlot } from "./types";

/** Appended to a credential's full name for the value it replaces during a rotation. */
export const PREVIOUS_SUFFIX = "_PREVIOUS";

/** The candidates of one secret: its current value and, while one is set, the previous one. */
export function candidatesOf(current: string, previous?: string): Candidate[] {
  const candidates: Candidate[] = [{ slot: "current", value: current }];
  if (previous !== undefined) candidates.push({ slot: "previous", value: previous });
  return candidates;
}

/**
 * Which candidate a callback was signed with, or `undefined` when none. Every
 * candidate is checked (each comparison in constant time), and none is skipped
 * once another has matched, so the time taken does not say which one did.
 */
export async function matchingCredential(
  candidates: readonly Candidate[],
  matches: (secret: string) => boolean | Promise<boolean>,
): Promise<CredentialSlot | undefined> {
  const results = await Promise.all(candidates.map((candidate) => matches(candidate.value)));
  return candidates[results.indexOf(true)]?.slot;
}
