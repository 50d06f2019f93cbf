import { describe, expect, it } from "vitest";
// @ts-expect-error: the console is plain JavaScript served as is, without type declarations.
import { continuing, replayInPages, STALLED_CALLS } from "../public/console/replay-loop.js";

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
  it("calls again while the relay says some remain, showing the total so far, and resolves to the total", async () => {
    const shown: string[] = [];
    const total = await replayInPages(
      pages({ replayed: 45, remaining: true }, { replayed: 45, remaining: true }, { replayed: 10, remaining: false }),
      (sum: number) => shown.push(continuing(sum)),
    );
    expect(total).toBe(100);
    expect(shown).toEqual(["replayed 45, continuing…", "replayed 90, continuing…"]);
  });

  it("says how many were replayed before a page failed", async () => {
    const run = replayInPages(
      pages({ replayed: 45, remaining: true }, new Error("the resume could not finish")),
      () => {},
    );
    await expect(run).rejects.toThrow("the resume could not finish (45 replayed before that)");
  });

  it("carries on through pages that replay nothing (letters the filter skips), and gives up only after many", async () => {
    const stuck = { replayed: 0, remaining: true };
    const skipping = Array.from({ length: STALLED_CALLS - 1 }, () => stuck);
    const total = await replayInPages(pages(...skipping, { replayed: 1, remaining: false }), () => {});
    expect(total).toBe(1);
    const run = replayInPages(pages({ replayed: 5, remaining: true }, ...skipping, stuck), () => {});
    await expect(run).rejects.toThrow(
      `the relay replayed nothing in ${STALLED_CALLS} calls in a row (5 replayed); try again`,
    );
  });
});
