import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { HUAWEI_APP_ID, huaweiRequest } from "../support/huawei-meeting";
import { callWorker } from "../support/worker";

/** A Huawei `eventInfo` written as JSON text, so a number keeps every digit sent. */
const huaweiInfo = (participantId: string) =>
  `{"event":"meeting.join","timestamp":1763726460000,"payload":{"meetingInfo":{"meetingID":"989156085"},"attendeeInfo":{"participantID":${participantId}}}}`;

describe("Huawei: an integer past 2^53 in eventInfo, which parsing rounds", () => {
  it("two pushes that differ only in digits a double cannot hold get different ids", async () => {
    const first = await callWorker(
      await huaweiRequest(undefined, { eventInfoText: huaweiInfo("12345678901234567891") }),
    );
    const second = await callWorker(
      await huaweiRequest(undefined, { eventInfoText: huaweiInfo("12345678901234567892") }),
    );
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    expect(first.enqueued).toHaveLength(1);
    expect(second.enqueued).toHaveLength(1);
    // One id for both would drop the second push as a repeat of the first: never delivered.
    expect(second.enqueued[0]?.id).not.toBe(first.enqueued[0]?.id);
  });

  it("such a push keeps its id on Huawei's retry (new nonce and timestamp, same eventInfo)", async () => {
    const text = huaweiInfo("98765432109876543210");
    const first = await callWorker(await huaweiRequest(undefined, { eventInfoText: text, nonce: "111" }));
    const retry = await callWorker(
      await huaweiRequest(undefined, { eventInfoText: text, nonce: "222", timestamp: Date.now() + 1 }),
    );
    expect(retry.enqueued[0]?.id).toBe(first.enqueued[0]?.id);
    expect(first.enqueued[0]?.id).toMatch(/^huawei-meeting:hw-subscriber-0001:[0-9a-f]{64}$/);
  });

  it.each(["1000000042", '"12345678901234567891"'])(
    "a push without such numbers (%s: small, or digits in a string) keeps the id of its compact serialization",
    async (participantId) => {
      const text = huaweiInfo(participantId);
      const { enqueued } = await callWorker(await huaweiRequest(undefined, { eventInfoText: text }));
      const compact = JSON.stringify(JSON.parse(text));
      expect(enqueued[0]?.id).toBe(`huawei-meeting:${HUAWEI_APP_ID}:${await sha256Hex(compact)}`);
    },
  );

  it("leaves out an id sent as a number past 2^53 instead of naming another meeting or person", async () => {
    const text =
      '{"event":"meeting.join","timestamp":1763726460000,"payload":{"meetingInfo":{"meetingID":12345678901234567891},' +
      '"attendeeInfo":{"participantID":12345678901234567891,"account":"zhangsan@example.com","callNumber":98765432109876543210}}}';
    const { response, enqueued } = await callWorker(await huaweiRequest(undefined, { eventInfoText: text }));
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    const [event] = enqueued;
    expect(event?.subject).toBeUndefined();
    expect(event?.data.meeting).toBeUndefined();
    expect(event?.data.participant).toEqual({ id: "zhangsan@example.com", account: "zhangsan@example.com" });
    // The push as parsed stays whole in raw.
    expect(event?.data.raw).toEqual(JSON.parse(text));
  });

  it("keeps an id sent as a safe number, as its digits", async () => {
    const text =
      '{"event":"meeting.end","timestamp":1763726460000,"payload":{"meetingInfo":{"meetingID":9007199254740991}}}';
    const { enqueued } = await callWorker(await huaweiRequest(undefined, { eventInfoText: text }));
    expect(enqueued[0]?.subject).toBe("9007199254740991");
    expect(enqueued[0]?.data.meeting).toEqual({ id: "9007199254740991" });
  });
});
