import { afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../src/core/log";
import { capturedText, leaksSeen } from "../support/capture-setup";
import { loggedLines, watchLog } from "../support/log";

/** Stands for a credential; not one of the suite's, so this file's own scan stays clean. */
const MADE_UP_SECRET = "made-up-credential-7f3a9c";

afterEach(() => vi.restoreAllMocks());

describe("loggedLines: every line reaches the secret scan", () => {
  it("returns the relay's lines and lets each one through to the scan", async () => {
    const { result, lines } = await loggedLines(async () => {
      log("check", { step: "inside loggedLines" });
      return 7;
    });
    expect(result).toBe(7);
    expect(lines).toEqual([{ kind: "check", step: "inside loggedLines" }]);
    expect(capturedText()).toContain('{"kind":"check","step":"inside loggedLines"}');
  });

  it("a credential logged inside it is what the scan reports", async () => {
    await loggedLines(async () => log("check", { token: MADE_UP_SECRET }));
    expect(leaksSeen([MADE_UP_SECRET])).toEqual(["console.log contains made…"]);
  });

  it.each([
    ["plain text", ["relay started"]],
    ["a JSON array", ["[1,2]"]],
    ["JSON null", ["null"]],
    ["an object, not its JSON", [{ kind: "check" }]],
    ["a JSON line and more", ['{"kind":"check"}', "extra"]],
  ])("fails on a line that is %s", async (_, args) => {
    await expect(loggedLines(async () => console.log(...args))).rejects.toThrow(
      /^a log line that is not one JSON object: /,
    );
  });
});

describe("watchLog: every line reaches the secret scan", () => {
  it("lists the relay's lines and lets each one through to the scan", () => {
    const watched = watchLog();
    log("check", { step: "while watched", token: MADE_UP_SECRET });
    expect(watched.lines()).toEqual([{ kind: "check", step: "while watched", token: MADE_UP_SECRET }]);
    watched.restore();
    expect(capturedText()).toContain(`{"kind":"check","step":"while watched","token":"${MADE_UP_SECRET}"}`);
  });

  it("fails on a line that is not one JSON object", () => {
    const watched = watchLog();
    console.log("relay started");
    expect(() => watched.lines()).toThrow("a log line that is not one JSON object: relay started");
    watched.restore();
  });
});
