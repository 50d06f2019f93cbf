import { beforeEach, describe, expect, it } from "vitest";
import { sampleEvent } from "../support/events";
import { adminCall, logRows, resetAll } from "./support";

beforeEach(resetAll);

describe("a meeting's title and code are cut to whole characters", () => {
  it("keeps a character outside the BMP whole where the cut falls inside it (no broken character listed)", async () => {
    const title = `${"a".repeat(199)}🎉 weekly`;
    const code = `${"1".repeat(63)}🎉2`;
    const event = sampleEvent("tencent-meeting:cut:0", {
      data: { meeting: { id: "1", subject: title, code }, raw: {} },
    });
    await logRows([{ event, receivedAt: Date.now() - 1_000 }]);
    const list = await adminCall("GET", "/admin/events");
    expect(list.response.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ title: `${"a".repeat(199)}🎉`, code: `${"1".repeat(63)}🎉` }),
    ]);
  });
});
