import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { always, type Relay, type Sink, startRelay, startSink, waitFor } from "../../tools/harness/index.ts";
import { DEMO_CREDENTIALS, tencentMeetingCallback } from "../../tools/harness/samples.ts";
import {
  encryptedTencentCallback,
  encryptedTencentCheck,
  participantJoined,
  type TencentAccount,
  tencentAccountVars,
} from "../../tools/harness/tencent-meeting.ts";

/**
 * Tencent Meeting as it sends today, end to end under `wrangler dev`: a plain callback with
 * `trace_id` on the default route, and an encrypted one (EncodingAESKey) on an account route,
 * each sent twice as Tencent's retries would; plus the encrypted URL verification, repeated.
 */
const TOKEN = "e2eTencentToken0000000001";
const ACCOUNT: TencentAccount = {
  account: "acme",
  token: "e2eTencentTokenAcme000001",
  encodingAesKey: "e2eEncodingAesKey0000000000000000000000Acme",
};
const NOW = Date.now();
const PLAIN = { traceId: "e2e-trace-plain-0001", name: "张三" };
const ENCRYPTED = { traceId: "e2e-trace-encrypted-0001", name: "李四" };
const idOf = (traceId: string) => `tencent-meeting:${traceId}:0`;

let sink: Sink;
let relay: Relay;

async function post(path: string, headers: Record<string, string>, body: string): Promise<void> {
  const response = await relay.fetch(path, { method: "POST", headers, body });
  expect(await response.text()).toBe("successfully received callback");
  expect(response.status).toBe(200);
}

/** Sends a callback, waits until it is fanned out, sends it again, and waits until the repeat is dropped. */
async function sendTwice(path: string, headers: Record<string, string>, body: string, id: string): Promise<void> {
  const logged = (kind: string, outcome: string) => () =>
    relay.logLines().some((line) => line.kind === kind && line.outcome === outcome && line.id === id);
  await post(path, headers, body);
  await waitFor(`${id} fanned out`, logged("delivery", "delivered"), { explain: () => relay.output() });
  await post(path, headers, body);
  await waitFor(`the repeat of ${id} dropped`, logged("fan-out", "duplicate"), { explain: () => relay.output() });
}

describe("Tencent Meeting today, under wrangler dev", () => {
  beforeAll(async () => {
    sink = await startSink();
    sink.route("/events", always({ status: 204 }));
    relay = await startRelay({
      vars: { RETRY_SCHEDULE: "1,1,1", ALLOW_INSECURE_TARGETS: "true" },
      secrets: {
        ADMIN_TOKEN: "e2e-admin-token-000000000000000000",
        TENCENT_MEETING_TOKEN: TOKEN,
        ...tencentAccountVars(ACCOUNT),
      },
    });
    const put = await relay.admin("PUT", "/admin/targets", [{ id: "sink", url: `${sink.url}/events` }]);
    expect(put.status, await put.clone().text()).toBe(200);
  });

  afterAll(async () => {
    await relay?.stop();
    await sink?.close();
  });

  it("answers the encrypted URL verification with the plain text, each time Tencent repeats it", async () => {
    for (let repeat = 0; repeat < 2; repeat++) {
      const { path, headers } = encryptedTencentCheck(ACCOUNT, "e2e check 验证");
      const response = await relay.fetch(path, { headers });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("e2e check 验证");
    }
  });

  it("delivers a plain trace_id callback and an encrypted one exactly once, with UTC times and the participant", async () => {
    const plain = tencentMeetingCallback(
      { ...DEMO_CREDENTIALS, tencentToken: TOKEN },
      participantJoined(PLAIN.traceId, PLAIN.name, NOW),
      NOW,
    );
    const encrypted = encryptedTencentCallback(ACCOUNT, participantJoined(ENCRYPTED.traceId, ENCRYPTED.name, NOW), NOW);
    await sendTwice(plain.path, plain.headers, plain.body, idOf(PLAIN.traceId));
    await sendTwice(encrypted.path, encrypted.headers, encrypted.body, idOf(ENCRYPTED.traceId));

    const ids = [idOf(PLAIN.traceId), idOf(ENCRYPTED.traceId)];
    await sink.waitFor("both events", (requests) => ids.every((id) => requests.some((r) => r.webhookId === id)));
    const received = sink.requests("/events");
    expect(received.map((request) => request.webhookId).sort()).toEqual([...ids].sort());

    const utc = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const [sent, source] of [
      [PLAIN, "/webhooks/tencent-meeting"],
      [ENCRYPTED, "/webhooks/tencent-meeting/acme"],
    ] as const) {
      const request = received.find((r) => r.webhookId === idOf(sent.traceId));
      const event = JSON.parse(request?.body ?? "{}");
      expect(event).toMatchObject({
        type: "participant.joined",
        source,
        subject: "13339451618278424869",
        time: utc(NOW),
        data: {
          meeting: {
            start: utc(Math.floor(NOW / 1000) * 1000 - 60_000),
            end: utc(Math.floor(NOW / 1000) * 1000 + 3_540_000),
          },
          participant: { id: "WMfgHRYj6m36mcDGtK", name: sent.name, joined: utc(NOW) },
        },
      });
    }
  });
});
