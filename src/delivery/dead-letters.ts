import type { RelayEvent } from "../events";
import { sha256Hex } from "../lib/crypto";

/** A delivery that used up its retry schedule, kept in KV `RELAY_STATE` until replayed or deleted. */
export interface DeadLetter {
  id: string;
  target: string;
  event: RelayEvent;
  attempts: number;
  lastStatus: number | null;
  lastError: string;
  firstAttemptAt: string;
  lastAttemptAt: string;
}

/** Key layout: `dead:<target>:<id>`, so `?target=` is a KV prefix list. */
export const DEAD_LETTER_PREFIX = "dead:";

/** One id per (event, target): a pair that dies again after a replay overwrites its old record. */
export async function deadLetterId(target: string, eventId: string): Promise<string> {
  return `${target}.${(await sha256Hex(eventId)).slice(0, 24)}`;
}

export function deadLetterKey(target: string, id: string): string {
  return `${DEAD_LETTER_PREFIX}${target}:${id}`;
}

export async function storeDeadLetter(state: KVNamespace, letter: Omit<DeadLetter, "id">): Promise<DeadLetter> {
  const id = await deadLetterId(letter.target, letter.event.id);
  const record: DeadLetter = { id, ...letter };
  await state.put(deadLetterKey(letter.target, id), JSON.stringify(record));
  return record;
}
