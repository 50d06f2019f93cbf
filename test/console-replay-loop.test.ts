import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
// @ts-expect-error: the console is plain JavaScript served as is, without type declarations.
import { continuing, PAGE_INTERVAL_MS, replayInPages, STALLED_CALLS } from "../public/console/replay-loop.js";

type Page = { replayed: number; remaining: boolean };
const pages = (...answers: (Page | Error)[]) => {
  let call = 0;
  return async (): Promise<Page> => {
    const answer = answers[call++];
    if (answer === undefined) throw new Error("called once too often");
    if (answer instanceof Error) throw answer;
    return answer;
  };
};

describe("the console's paged resume and replay", () => {
  // Simulated time: the pages are a second apart, and these tests make up to 50 calls.
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse("2026-12-06T10:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts each call at least a second after the last one began (KV takes one write per key per second)", async () => {
    const startedAt: number[] = [];
    const answers = [
      { replayed: 45, remaining: true },
      { replayed: 45, remaining: true },
      { replayed: 10, remaining: false },
    ];
    const run = replayInPages(
      async () => {
        startedAt.push(Date.now());
        // The first page takes 300 ms to answer, the others longer than the interval.
        await new Promise((resolve) => setTimeout(resolve, startedAt.length === 1 ? 300 : 1_500));
        return answers[startedAt.length - 1];
      },
      () => {},
    );
    await vi.runAllTimersAsync();
    expect(await run).toBe(100);
    const start = startedAt[0] as number;
    expect(startedAt.map((at) => at - start)).toEqual([0, 1_000, 2_500]);
    expect(PAGE_INTERVAL_MS).toBe(1_000);
  });

  it("calls again while the relay says some remain, showing the total so far, and resolves to the total", async () => {
    const shown: string[] = [];
    const run = replayInPages(
      pages({ replayed: 45, remaining: true }, { replayed: 45, remaining: true }, { replayed: 10, remaining: false }),
      (sum: number) => shown.push(continuing(sum)),
    );
    await vi.runAllTimersAsync();
    expect(await run).toBe(100);
    expect(shown).toEqual(["replayed 45, continuing…", "replayed 90, continuing…"]);
  });

  it("says how many were replayed before a page failed", async () => {
    const run = replayInPages(
      pages({ replayed: 45, remaining: true }, new Error("the resume could not finish")),
      () => {},
    );
    const failed = expect(run).rejects.toThrow("the resume could not finish (45 replayed before that)");
    await vi.runAllTimersAsync();
    await failed;
  });

  it("carries on through pages that replay nothing (letters the filter skips), and gives up only after many", async () => {
    const stuck = { replayed: 0, remaining: true };
    const skipping = Array.from({ length: STALLED_CALLS - 1 }, () => stuck);
    const done = replayInPages(pages(...skipping, { replayed: 1, remaining: false }), () => {});
    await vi.runAllTimersAsync();
    expect(await done).toBe(1);
    const run = replayInPages(pages({ replayed: 5, remaining: true }, ...skipping, stuck), () => {});
    const gaveUp = expect(run).rejects.toThrow(
      `the relay replayed nothing in ${STALLED_CALLS} calls in a row (5 replayed); try again`,
    );
    await vi.runAllTimersAsync();
    await gaveUp;
  });
});
