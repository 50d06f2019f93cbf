/**
 * Property tests, per platform: arbitrary requests never produce a 5xx (an account without
 * credentials is answered like a forged callback to a configured one) and never enqueue;
 * arbitrary correctly signed payloads (any Unicode, Chinese and emoji included)
 * are always accepted, and their `raw` arrives equal in content to what was sent.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROVIDER_NAMES, type ProviderName } from "../../src/core/cloud-event";
import { TEST_BINDINGS } from "../support/bindings";
import { huaweiRequest } from "../support/huawei-meeting";
import { base64Json, tencentEventRequest } from "../support/tencent-meeting";
import { whiteboardRequest } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";
import { yunhuniRequest } from "../support/yunhuni";

/** Hundreds of callbacks per property: what they enqueue is recorded, not handed to the local consumers. */
const RECORD_ONLY = { passThrough: false };

const RUNS = 120;

/** Any JSON value, as the parser gives it back (so -0 and friends compare as they travel). */
const jsonValue = fc.json({ maxDepth: 3 }).map((text) => JSON.parse(text) as unknown);
const jsonObject = fc
  .dictionary(fc.string({ unit: "binary", maxLength: 12 }), jsonValue, { maxKeys: 6 })
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
const anyText = fc.string({ unit: "binary", maxLength: 24 });
const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));

/** Bodies that look like each platform's callbacks, signed with made-up signatures, plus plain garbage. */
function bodies(now: number) {
  const seconds = Math.floor(now / 1000);
  return fc.oneof(
    fc.string({ unit: "binary", maxLength: 200 }),
    fc.json(),
    fc.constant(""),
    fc.record({ data: fc.oneof(fc.base64String(), anyText) }).map((value) => JSON.stringify(value)),
    fc
      .record({
        appID: fc.constantFrom(TEST_BINDINGS.HUAWEI_MEETING_APP_ID, "someone-else"),
        timestamp: fc.constantFrom(now, now - 86_400_000, "x"),
        nonce: printable,
        signature: fc.oneof(hex(64), printable),
        eventInfo: fc.oneof(jsonObject, jsonValue),
      })
      .map((value) => JSON.stringify(value)),
    fc
      .record({
        Timestamp: fc.integer(),
        SdkAppId: fc.integer(),
        ExpireTime: fc.constantFrom(seconds + 600, seconds - 600, "soon"),
        Sign: fc.oneof(hex(32), printable),
        EventType: anyText,
        EventData: fc.oneof(jsonObject, jsonValue),
      })
      .map((value) => JSON.stringify(value)),
    fc.record({ event: anyText, id: anyText, begin_time: jsonValue }).map((value) => JSON.stringify(value)),
  );
}

function arbitraryRequest(provider: ProviderName, now: number) {
  return fc
    .record({
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH"),
      account: fc.option(fc.oneof(fc.constantFrom("acme", "globex"), printable), { nil: undefined }),
      query: fc.oneof(
        printable,
        printable.map((value) => `token=${encodeURIComponent(value)}`),
        fc.base64String().map((value) => `check_str=${value}`),
      ),
      headers: fc.dictionary(
        fc.constantFrom("timestamp", "nonce", "signature", "content-type", "cf-connecting-ip", "x-other"),
        fc.oneof(printable, hex(40), fc.constant(String(Math.floor(now / 1000)))),
        { maxKeys: 5 },
      ),
      body: bodies(now),
    })
    .map(({ method, account, query, headers, body }) => {
      const path = `/webhooks/${provider}${account === undefined ? "" : `/${encodeURIComponent(account)}`}`;
      const init: RequestInit = { method, headers };
      if (method !== "GET") init.body = body;
      return { account, request: new Request(`http://relay.test${path}?${query}`, init) };
    });
}

describe.each(PROVIDER_NAMES)("%s: arbitrary requests", (provider) => {
  it("never answer 5xx, to any account, and never enqueue", async () => {
    const now = Date.now();
    await fc.assert(
      fc.asyncProperty(arbitraryRequest(provider, now), async ({ request }) => {
        const { response, enqueued } = await callWorker(request, {}, RECORD_ONLY);
        expect(enqueued).toEqual([]);
        expect([400, 401, 403, 404, 405, 413]).toContain(response.status);
        const body = (await response.json()) as { error?: unknown };
        expect(typeof body.error).toBe("string");
      }),
      { numRuns: RUNS },
    );
  });
});

const tencentEvents = fc.constantFrom(
  "meeting.created",
  "meeting.participant-joined",
  "meeting.end",
  "recording.completed",
);

describe("correctly signed payloads are always accepted, raw intact", () => {
  it("tencent-meeting: every payload item becomes one event", async () => {
    await fc.assert(
      fc.asyncProperty(
        tencentEvents,
        fc.uuid(),
        fc.array(fc.oneof(jsonObject, jsonValue), { minLength: 1, maxLength: 4 }),
        anyText,
        async (event, uniqueSequence, items, subject) => {
          const payload = items.map((item, i) =>
            i === 0
              ? { meeting_info: { meeting_id: "m1", subject }, operator: { user_name: subject }, extra: item }
              : item,
          );
          const callback = { event, unique_sequence: uniqueSequence, payload };
          const { response, enqueued } = await callWorker(
            await tencentEventRequest(base64Json(callback)),
            {},
            RECORD_ONLY,
          );
          expect(response.status).toBe(200);
          expect(await response.text()).toBe("successfully received callback");
          expect(enqueued.map((e) => e.data.raw)).toEqual(JSON.parse(JSON.stringify(payload)));
          expect(enqueued.map((e) => e.id)).toEqual(payload.map((_, i) => `tencent-meeting:${uniqueSequence}:${i}`));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("huawei-meeting: the eventInfo arrives as sent", async () => {
    const events = fc.constantFrom("meeting.started", "meeting.join", "record.finish", "meeting.something-new");
    await fc.assert(
      fc.asyncProperty(events, anyText, jsonObject, fc.boolean(), async (event, name, extra, pretty) => {
        const eventInfo = {
          event,
          timestamp: Date.now(),
          payload: { meetingInfo: { meetingID: "989156085", subject: name }, attendeeInfo: { displayName: name } },
          extra,
        };
        const eventInfoText = pretty ? JSON.stringify(eventInfo, null, 2) : undefined;
        const request = await huaweiRequest(eventInfo, eventInfoText === undefined ? {} : { eventInfoText });
        const { response, enqueued } = await callWorker(request, {}, RECORD_ONLY);
        expect(response.status).toBe(200);
        expect(JSON.parse(await response.text())).toMatchObject({ event });
        expect(enqueued).toHaveLength(1);
        expect(enqueued[0]?.data.raw).toEqual(eventInfo);
      }),
      { numRuns: RUNS },
    );
  });

  it("yunhuni: the notification arrives as sent", async () => {
    const events = fc.constantFrom("conf.create.succ", "conf.joined", "conf.quit", "conf.record_end", "conf.other");
    await fc.assert(
      fc.asyncProperty(
        events,
        hex(32),
        fc.option(anyText, { nil: null }),
        jsonObject,
        async (event, id, userData, extra) => {
          const notification = {
            ...extra,
            action: "event_notify",
            event,
            id,
            join_time: Date.now(),
            user_data: userData,
          };
          const { response, enqueued } = await callWorker(yunhuniRequest(notification), {}, RECORD_ONLY);
          expect(response.status).toBe(200);
          expect(enqueued).toHaveLength(1);
          expect(enqueued[0]?.data.raw).toEqual(JSON.parse(JSON.stringify(notification)));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("tencent-whiteboard: the callback arrives as sent, without Sign", async () => {
    const types = fc.constantFrom("TranscodeProgressChanged", "OnlineRecordFinished", "WhiteboardPushStarted", "Other");
    await fc.assert(
      fc.asyncProperty(types, anyText, jsonObject, async (eventType, title, extra) => {
        const event = {
          Timestamp: Math.floor(Date.now() / 1000),
          SdkAppId: 1400000001,
          EventType: eventType,
          EventData: { ...extra, TaskId: "task-1", Title: title },
        };
        const request = await whiteboardRequest(event);
        const { Sign: _sign, ...forwarded } = (await request.clone().json()) as Record<string, unknown>;
        const { response, enqueued } = await callWorker(request, {}, RECORD_ONLY);
        expect(response.status).toBe(200);
        expect(await response.text()).toBe('{"error_code":0}');
        expect(enqueued).toHaveLength(1);
        expect(enqueued[0]?.data.raw).toEqual(forwarded);
      }),
      { numRuns: RUNS },
    );
  });
});
