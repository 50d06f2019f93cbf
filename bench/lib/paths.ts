import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/lib/../..). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const RESULTS_PATH = join(REPO, "bench", "results", "latest.json");

/** A fresh directory for one run's generated configs, builds, persisted state and logs. */
export function makeRunDir(): string {
  return mkdtempSync(join(tmpdir(), "meeting-relay-bench-"));
}
