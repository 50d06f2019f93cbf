import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { always, type Relay, type Sink, settled, startRelay, startSink, waitFor } from "../../tools/harness/index.ts";
import {
  DEMO_CREDENTIALS,
  huaweiMeetingCallback,
  sendCallback,
  tencentMeetingCallback,
} from "../../tools/harness/samples.ts";

/**
 * Large callbacks through the real relay (`wrangler dev`, local KV and Queues, whose
 * 128 KB message limit is enforced) to a real sink on 127.0.0.1:
 * - one Tencent callback with 300 items: one send on the response path, split by the
 *   fan-out consumer, each item delivered once;
 * - one Huawei join whose 31,000-character display name is copied into the event twice:
 *   a 186 KB message that the queue would refuse, so it is spilled and delivered whole.
 */
const ADMIN_TOKEN = "e2e-admin-token-not-a-secret-00000";
const CREDENTIALS = { ...DEMO_CREDENTIALS, tencentToken: "e2eTencentToken0000000001" };
const ITEMS = 300;
const NAME = "张".repeat(31_000);

let sink: Sink;
let relay: Relay;

describe("large callbacks under wrangler dev", () => {
  beforeAll(async () => {
    sink = await startSink();
    sink.route("/in", always({ status: 204 }));
    relay = await startRelay({
      vars: { ALLOW_INSECURE_TARGETS: "true", HUAWEI_MEETING_APP_ID: CREDENTIALS.huaweiAppId },
      secrets: {
        ADMIN_TOKEN,
        TENCENT_MEETING_TOKEN: CREDENTIALS.tencentToken,
        HUAWEI_MEETING_APP_KEY: CREDENTIALS.huaweiAppKey,
      },
    });
    const put = await relay.admin("PUT", "/admin/targets", [{ id: "in", url: `${sink.url}/in` }]);
    expect(put.status, await put.clone().text()).toBe(200);
  });

  afterAll(async () => {
    await relay?.stop();
    await sink?.close();
  });

  it(`a Tencent callback with ${ITEMS} items is answered 200 and each item's event is delivered exactly once`, async () => {
    const payload = Array.from({ length: ITEMS }, (_, i) => ({
      operate_time: Date.now(),
      operator: { userid: `user-${i}`, user_name: `参会者 ${i} `.repeat(20) },
      meeting_info: { meeting_id: "6058890385480921052", subject: "fan-in" },
    }));
    const { headers, body } = tencentMeetingCallback(CREDENTIALS, {
      event: "meeting.participant-joined",
      unique_sequence: "e2e-fan-in",
      payload,
    });
    const response = await relay.fetch("/webhooks/tencent-meeting", { method: "POST", headers, body });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");

    const ids = Array.from({ length: ITEMS }, (_, i) => `tencent-meeting:e2e-fan-in:${i}`);
    const done = (id: string) => (line: Record<string, unknown>) =>
      line.kind === "delivery" && line.outcome === "delivered" && line.id === id;
    await waitFor("every item's fan-out", () => ids.every((id) => relay.logLines().some(done(id))), {
      timeoutMs: 90_000,
      explain: () => relay.output().slice(-4000),
    });
    // A second delivery of any item would have arrived once nothing is in flight: one attempt per item, no more.
    await settled(relay, sink, { expected: ITEMS });
    const delivered = sink.requests("/in").map((request) => request.webhookId);
    expect(delivered).toHaveLength(ITEMS);
    for (const id of ids) expect(delivered.filter((webhookId) => webhookId === id)).toHaveLength(1);
    expect(relay.logLines()).toContainEqual(
      expect.objectContaining({ kind: "fan-out", outcome: "split", events: ITEMS }),
    );
  }, 120_000);

  it("a Huawei join whose display name is copied into a 186 KB event is spilled and delivered whole", async () => {
    const now = Date.now();
    const callback = huaweiMeetingCallback(
      CREDENTIALS,
      {
        event: "meeting.join",
        timestamp: now,
        payload: {
          meetingInfo: { meetingID: "989156085", meetingUUID: "a1b2c3d4e5f60718293a4b5c6d7e8f90" },
          attendeeInfo: { userUUID: "ff80808167ef1edf0167f339533d05a6", displayName: NAME, joinTime: now },
        },
      },
      now,
    );
    const response = await sendCallback(relay.url, callback);
    expect(response.status).toBe(200);
    const [delivered] = await waitFor("the join's delivery", () => {
      const found = sink.requests("/in").filter((request) => request.webhookId?.startsWith("huawei-meeting:"));
      return found.length > 0 && found;
    });
    const event = JSON.parse(delivered?.body ?? "{}");
    expect(event.data.participant.name).toBe(NAME);
    expect(event.data.spilled).toBeUndefined();
  });
});
