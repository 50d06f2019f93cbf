import { describe, expect, it } from "vitest";
// @ts-expect-error: the console is plain JavaScript served as is, without type declarations.
import { continuing, replayInPages } from "../public/console/replay-loop.js";

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

  it("gives up after three pages in a row that replay nothing while some remain", async () => {
    const stuck = { replayed: 0, remaining: true };
    const run = replayInPages(pages({ replayed: 5, remaining: true }, stuck, stuck, stuck), () => {});
    await expect(run).rejects.toThrow("the relay replayed nothing in 3 calls in a row (5 replayed); try again");
  });
});
