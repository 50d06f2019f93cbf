import { describe, expect, it } from "vitest";
import { encodeBase64, encodeUtf8 } from "../../src/lib/bytes";
import { tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/** `data` of a callback written as JSON text, so a number keeps every digit Tencent sent. */
const dataOf = (json: string) => encodeBase64(encodeUtf8(json));

const callback = (field: string, sequence: string) =>
  dataOf(`{"event":"meeting.end","${field}":${sequence},"payload":[{"meeting_info":{"meeting_id":"1"}}]}`);

describe("a Tencent sequence sent as a JSON number past 2^53", () => {
  it.each(["unique_sequence", "trace_id"])(
    "%s: two callbacks whose numbers differ only in digits a double cannot hold get different ids",
    async (field) => {
      const first = await callWorker(await tencentEventRequest(callback(field, "12345678901234567891")));
      const second = await callWorker(await tencentEventRequest(callback(field, "12345678901234567892")));
      expect(first.response.status).toBe(200);
      expect(second.response.status).toBe(200);
      expect(first.enqueued).toHaveLength(1);
      expect(second.enqueued).toHaveLength(1);
      // The same id would make the second callback's event a duplicate of the first: dropped, never delivered.
      expect(second.enqueued[0]?.id).not.toBe(first.enqueued[0]?.id);
    },
  );

  it("keeps the id of one such callback the same on Tencent's retry (new timestamp and nonce, same data)", async () => {
    const data = callback("trace_id", "98765432109876543210");
    const first = await callWorker(await tencentEventRequest(data, { nonce: "111" }));
    const retry = await callWorker(await tencentEventRequest(data, { nonce: "222" }));
    expect(retry.enqueued[0]?.id).toBe(first.enqueued[0]?.id);
    expect(first.enqueued[0]?.id).toMatch(/^tencent-meeting:[A-Za-z0-9._:-]+:0$/);
  });

  it("still uses an exact numeric sequence as sent", async () => {
    const { enqueued } = await callWorker(await tencentEventRequest(callback("trace_id", "9007199254740991")));
    expect(enqueued[0]?.id).toBe("tencent-meeting:9007199254740991:0");
  });
});
