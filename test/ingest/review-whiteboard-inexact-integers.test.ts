import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { canonicalJson } from "../../src/providers/tencent-whiteboard/canonical-json";
import { whiteboardSignature } from "../../src/providers/tencent-whiteboard/verify";
import { TIW_KEY } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";

const TYPE = "OnlineRecordFinished";

/** A correctly signed whiteboard callback written as JSON text, so a number keeps every digit sent. */
async function whiteboardText(eventData: string, timestamp = "1763726400", expireTime = nowSeconds() + 600) {
  const sign = await whiteboardSignature(TIW_KEY, String(expireTime));
  return `{"Timestamp":${timestamp},"SdkAppId":1400000001,"EventType":"${TYPE}","EventData":${eventData},"ExpireTime":${expireTime},"Sign":"${sign}"}`;
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

function post(body: string) {
  return callWorker(
    new Request("http://relay.test/webhooks/tencent-whiteboard", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    }),
  );
}

describe("whiteboard: an integer past 2^53, which parsing rounds", () => {
  it.each([
    ["EventData", (n: string) => whiteboardText(`{"TaskId":"t-1","RoomId":${n}}`)],
    ["a nested VideoInfos entry", (n: string) => whiteboardText(`{"TaskId":"t-1","VideoInfos":[{"VideoType":${n}}]}`)],
    ["Timestamp", (n: string) => whiteboardText('{"TaskId":"t-1"}', n)],
  ])("in %s: two callbacks that differ only in digits a double cannot hold get different ids", async (_, body) => {
    const first = await post(await body("12345678901234567891"));
    const second = await post(await body("12345678901234567892"));
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    expect(first.enqueued).toHaveLength(1);
    expect(second.enqueued).toHaveLength(1);
    // One id for both would drop the second callback as a repeat of the first: never delivered.
    expect(second.enqueued[0]?.id).not.toBe(first.enqueued[0]?.id);
  });

  it("such a callback keeps its id on Tencent's retry (a new ExpireTime and Sign, the same event)", async () => {
    const eventData = '{"TaskId":"t-1","RoomId":98765432109876543210}';
    const first = await post(await whiteboardText(eventData));
    const retry = await post(await whiteboardText(eventData, "1763726400", nowSeconds() + 900));
    expect(retry.enqueued[0]?.id).toBe(first.enqueued[0]?.id);
    expect(first.enqueued[0]?.id).toMatch(/^tencent-whiteboard:1400000001:[0-9a-f]{64}$/);
  });

  it("a callback without such numbers (digits in a string, a safe number) keeps the id it always had", async () => {
    const eventData = { TaskId: "12345678901234567891", RoomId: 9007199254740991 };
    const { enqueued } = await post(await whiteboardText(JSON.stringify(eventData)));
    const hash = await sha256Hex(canonicalJson(["1400000001", TYPE, "1763726400", eventData]));
    expect(enqueued[0]?.id).toBe(`tencent-whiteboard:1400000001:${hash}`);
  });

  it("leaves out a task or recording field sent that way rather than show it rounded; raw keeps it as parsed", async () => {
    const n = "12345678901234567891";
    const body = await whiteboardText(
      `{"TaskId":"t-1","RoomId":${n},"Progress":${n},"Pages":${n},"FinishReason":${n},"TotalTime":${n},` +
        `"Error":{"Code":${n},"Message":"m"},"VideoInfos":[{"VideoId":"v-1","VideoType":${n},"UserId":${n}}]}`,
    );
    const { response, enqueued } = await post(body);
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    const [event] = enqueued;
    expect(event?.subject).toBe("t-1");
    expect(event?.data.task).toEqual({ id: "t-1", error: { message: "m" } });
    expect(event?.data.recording).toEqual({ files: [{ id: "v-1" }] });
    const { Sign: _sign, ...raw } = JSON.parse(body);
    expect(event?.data.raw).toEqual(raw);
  });
});
