import { afterEach, describe, expect, it, vi } from "vitest";
import { huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { callWorker } from "../support/worker";

const HOUR_MS = 3_600_000;

afterEach(() => vi.restoreAllMocks());

describe("the replay window, by default a day", () => {
  // Huawei retries a push it could not deliver for 24 h, each retry signed when it was first sent.
  it.each([
    ["as configured in wrangler.toml", {}],
    ["with REPLAY_WINDOW_SECONDS unset", { REPLAY_WINDOW_SECONDS: undefined }],
  ])("accepts a Huawei callback signed 23 h ago, %s", async (_, vars) => {
    const request = await huaweiRequest(huaweiEventInfo("meeting.started"), { timestamp: Date.now() - 23 * HOUR_MS });
    const { response, enqueued } = await callWorker(request, vars, { passThrough: false });
    expect(response.status).toBe(200);
    expect(enqueued.map((event) => event.type)).toEqual(["meeting.started"]);
  });

  it("refuses one signed 25 h ago, and queues nothing", async () => {
    const request = await huaweiRequest(huaweiEventInfo("meeting.started"), { timestamp: Date.now() - 25 * HOUR_MS });
    const { response, enqueued } = await callWorker(request, {}, { passThrough: false });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: "timestamp is outside the replay window",
      code: "signature_invalid",
    });
    expect(enqueued).toEqual([]);
  });

  it("answers 503 naming both vars when the window is longer than the dedup window, and queues nothing", async () => {
    const request = await huaweiRequest(huaweiEventInfo("meeting.started"));
    const { response, enqueued } = await callWorker(
      request,
      { REPLAY_WINDOW_SECONDS: "172800" },
      { passThrough: false },
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error:
        "the relay is misconfigured: REPLAY_WINDOW_SECONDS (172800) must not exceed DEDUP_TTL_SECONDS (86400): a signed request replayed within the replay window must still be remembered as a repeat; lower REPLAY_WINDOW_SECONDS or raise DEDUP_TTL_SECONDS",
      code: "relay_misconfigured",
    });
    expect(enqueued).toEqual([]);
  });
});
