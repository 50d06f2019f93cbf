import { describe, expect, it } from "vitest";
import { SEED_DATA, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

describe("POST /webhooks/tencent-meeting", () => {
  it("queues the seed callback and answers exactly `successfully received callback`", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(SEED_DATA));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({
      id: "tencent-meeting:f20096ee-8ac8-4df2-a7de-0574649f211b:0",
      type: "meeting.created",
      time: "2020-12-29T09:41:06Z",
    });
  });

  it("rejects a wrong signature with 401 and queues nothing", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(SEED_DATA, { token: "x".repeat(25) }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "signature mismatch" });
    expect(enqueued).toEqual([]);
  });
});
