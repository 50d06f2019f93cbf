import { describe, expect, it } from "vitest";
import { type RelayEvent, toCloudEvent } from "../../src/core/cloud-event";
import { MAX_BODY_BYTES } from "../../src/ingest/routes";
import { providerByName } from "../../src/providers/registry";
import type { InboundRequest } from "../../src/providers/types";
import type { EventMessage, QueueMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "../support/bindings";
import { lookupFrom } from "../support/credentials";
import { acceptEveryDelivery } from "../support/fetch";
import { HUAWEI_NONCE, huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { base64Json, SEED_CALLBACK, tencentEventRequest } from "../support/tencent-meeting";
import { whiteboardEvent, whiteboardRequest } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";
import { yunhuniNotification, yunhuniRequest } from "../support/yunhuni";

/**
 * The largest callback each platform can send (a signed body just under the 256 KiB limit), built so
 * that normalization copies its bulk into the fields a queued stub keeps (subject, type, a recording's
 * videos): ingest answers the platform's success form, every queue call stays inside Queues' limits,
 * and the target receives each event whole, byte for byte as the relay normalized it.
 */
const EVENTS = "meeting-relay-events";
const QUEUE_MESSAGE_BYTES = 128_000;
const QUEUE_BATCH_BYTES = 256_000;
const QUEUE_BATCH_MESSAGES = 100;

const bytesOf = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).byteLength;

async function bodyBytes(request: Request): Promise<number> {
  return (await request.clone().arrayBuffer()).byteLength;
}

/** The request built with the largest `n` whose body fits the body limit (bodies grow with `n`). */
async function largest(build: (n: number) => Promise<Request> | Request, most = MAX_BODY_BYTES): Promise<Request> {
  let low = 0;
  let high = most;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((await bodyBytes(await build(mid))) <= MAX_BODY_BYTES) low = mid;
    else high = mid - 1;
  }
  return build(low);
}

/** The events the relay makes of a request, computed with the platform's adapter directly. */
async function normalized(provider: string, request: Request): Promise<RelayEvent[]> {
  const adapter = providerByName(provider);
  if (adapter === undefined) throw new Error(`no adapter ${provider}`);
  const url = new URL(request.url);
  const inbound: InboundRequest = {
    method: request.method,
    rawQuery: url.search.slice(1),
    headers: request.headers,
    body: await request.clone().text(),
    clientIp: undefined,
  };
  const verified = await adapter.verify(inbound, adapter.credentials(lookupFrom(TEST_BINDINGS)), {
    now: Date.now(),
    replayWindowSeconds: 0,
  });
  if (!verified.ok) throw new Error(`not verified: ${verified.reason}`);
  const drafts = await adapter.normalize(verified.value, Date.now());
  return drafts.map((draft) => toCloudEvent(draft, adapter.name, `/webhooks/${provider}`));
}

/** Every queue call within Queues' limits, measured as Queues measures (UTF-8 JSON of each body). */
function expectWithinQueueLimits(calls: readonly QueueMessage[][]): void {
  for (const call of calls) {
    expect(call.length).toBeLessThanOrEqual(QUEUE_BATCH_MESSAGES);
    expect(call.reduce((sum, body) => sum + bytesOf(body), 0)).toBeLessThanOrEqual(QUEUE_BATCH_BYTES);
    for (const body of call) expect(bytesOf(body)).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES);
  }
}

const outbound = acceptEveryDelivery();

/**
 * Ingests the request and runs what it queued through the consumers as Queues would (bundles split,
 * in batches of 100): answers the response, and what the target received.
 */
async function throughThePipeline(request: Request): Promise<{ response: Response; answer: string }> {
  await useTargets([{ id: "sink", url: "https://sink.example.com/in" }]);
  const { response, calls } = await callWorker(request, {}, { passThrough: false });
  const answer = await response.text();
  expect(response.status).toBe(200);
  expectWithinQueueLimits(calls);
  let pending: QueueMessage[] = calls.flat();
  const events: EventMessage[] = [];
  while (pending.length > 0) {
    const bundles = pending.filter((message) => message.kind === "events");
    events.push(...pending.filter((message): message is EventMessage => message.kind === "event"));
    pending = [];
    for (const bundle of bundles) {
      const split = await consume(EVENTS, [bundle]);
      expect(split.acked).toEqual(["m0"]);
      expectWithinQueueLimits(split.eventCalls);
      pending.push(...split.events.map(({ body }) => body));
    }
  }
  for (let i = 0; i < events.length; i += 100) {
    const run = await consume(EVENTS, events.slice(i, i + 100));
    expect(run.retried).toEqual([]);
    expectWithinQueueLimits(run.deliveryCalls);
  }
  return { response, answer };
}

/** The target received exactly these events, each byte for byte, once. */
function expectDelivered(expected: readonly RelayEvent[]): void {
  const received = new Map(outbound.requests.map((request) => [request.headers.get("webhook-id"), request.body]));
  expect(outbound.requests).toHaveLength(expected.length);
  for (const event of expected) expect(received.get(event.id)).toBe(JSON.stringify(event));
}

describe("the largest callback of every platform is accepted and delivered whole", () => {
  it("Tencent Meeting, one huge item: its meeting id is the subject and sits in data.meeting too", async () => {
    const [item] = SEED_CALLBACK.payload as [(typeof SEED_CALLBACK.payload)[number]];
    const request = await largest((n) =>
      tencentEventRequest(
        base64Json({
          ...SEED_CALLBACK,
          unique_sequence: "largest-one",
          payload: [{ ...item, meeting_info: { ...item.meeting_info, meeting_id: "6".repeat(n) } }],
        }),
      ),
    );
    expect(await bodyBytes(request)).toBeGreaterThan(MAX_BODY_BYTES - 1024);
    const expected = await normalized("tencent-meeting", request);
    expect(expected).toHaveLength(1);
    const { answer } = await throughThePipeline(request);
    expect(answer).toBe("successfully received callback");
    expectDelivered(expected);
  });

  it("Tencent Meeting, 3,000 small items", async () => {
    const request = await largest(
      (n) =>
        tencentEventRequest(
          base64Json({
            ...SEED_CALLBACK,
            event: "meeting.participant-joined",
            unique_sequence: "largest-many",
            payload: Array.from({ length: 3_000 }, (_, i) => ({
              operate_time: 1_763_726_400,
              operator: { userid: `u${i}${"x".repeat(n)}` },
            })),
          }),
        ),
      100,
    );
    expect(await bodyBytes(request)).toBeGreaterThan(MAX_BODY_BYTES - 4 * 3_000);
    const expected = await normalized("tencent-meeting", request);
    expect(expected).toHaveLength(3_000);
    const { answer } = await throughThePipeline(request);
    expect(answer).toBe("successfully received callback");
    expectDelivered(expected);
  }, 120_000);

  it("Huawei Cloud Meeting: a meeting id that fills the body is the subject and data.meeting.id", async () => {
    const request = await largest((n) => {
      const eventInfo = huaweiEventInfo("meeting.started");
      return huaweiRequest({
        ...eventInfo,
        payload: { ...eventInfo.payload, meetingInfo: { ...eventInfo.payload.meetingInfo, meetingID: "9".repeat(n) } },
      });
    });
    expect(await bodyBytes(request)).toBeGreaterThan(MAX_BODY_BYTES - 1024);
    const expected = await normalized("huawei-meeting", request);
    const { answer } = await throughThePipeline(request);
    expect(answer).toBe(`{"event":"meeting.started","nonce":"${HUAWEI_NONCE}"}`);
    expectDelivered(expected);
  });

  it("Yunhuni: a long event name (type and providerevent) and a long conference id (subject)", async () => {
    const request = await largest((n) =>
      yunhuniRequest(
        yunhuniNotification("conf.joined", { event: `conf.${"e".repeat(n)}`, id: "c".repeat(n), user_data: "会" }),
      ),
    );
    expect(await bodyBytes(request)).toBeGreaterThan(MAX_BODY_BYTES - 1024);
    const expected = await normalized("yunhuni", request);
    const { answer } = await throughThePipeline(request);
    expect(answer).toBe('{"ok":true}');
    expectDelivered(expected);
  });

  it("Tencent Whiteboard: an OnlineRecordFinished whose VideoInfos fill the body (copied to data.recording)", async () => {
    const video = (i: number) => ({
      VideoPlayTime: i * 1000,
      VideoSize: 1_048_576 + i,
      VideoFormat: "mp4",
      VideoDuration: 600_000,
      VideoUrl: `https://1400000001.vod2.myqcloud.com/d8f3b2c1/${5285890784246869930n + BigInt(i)}/f0.mp4`,
      VideoId: String(5285890784246869930n + BigInt(i)),
      VideoType: 0,
      UserId: `teacher_${i}`,
    });
    const request = await largest(
      (n) =>
        whiteboardRequest(
          whiteboardEvent("OnlineRecordFinished", {
            TaskId: "rec-largest-0001",
            RoomId: 20_261_121,
            GroupId: "20261121",
            RecordStartTime: 1_763_726_400_000,
            RecordStopTime: 1_763_730_000_000,
            TotalTime: 3_600_000,
            VideoInfos: Array.from({ length: n }, (_, i) => video(i)),
          }),
        ),
      2_000,
    );
    expect(await bodyBytes(request)).toBeGreaterThan(MAX_BODY_BYTES - 1024);
    const expected = await normalized("tencent-whiteboard", request);
    const { answer } = await throughThePipeline(request);
    expect(answer).toBe('{"error_code":0}');
    expectDelivered(expected);
  });
});
