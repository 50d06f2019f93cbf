import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RelayEvent } from "../../src/core/cloud-event";
import { SPLIT_PAGE_OPERATIONS } from "../../src/delivery/split";
import { callbackEvents, spillCallback } from "../../src/queue/callback-spill";
import type { DeliveryMessage, EventMessage, EventsMessage, QueueMessage } from "../../src/queue/messages";
import { STUB_TEXT_CHARS, stubOf } from "../../src/queue/stub";
import { eventMessages, sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { HUAWEI_ATTENDEE, huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { base64Json, SEED_CALLBACK, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";
import { yunhuniRequest } from "../support/yunhuni";

/** One payload item of about 150 KB: too large for a 128 KB queue message, well inside the 256 KiB body limit. */
const bigItem = { ...SEED_CALLBACK.payload[0], attachments: "会".repeat(50_000) };
const bigCallback = { ...SEED_CALLBACK, unique_sequence: "big-0001", payload: [bigItem] };

let intercept: ReturnType<typeof mockFetch>;
beforeEach(async () => {
  await reset();
  intercept = mockFetch((request) => new Response(null, { status: request.url.endsWith("/down") ? 503 : 204 }));
});
afterEach(() => intercept.restore());

describe("events larger than a queue message", () => {
  it("are accepted, queued as a stub with the full event in KV, and delivered whole", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(base64Json(bigCallback)));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");
    expect(enqueued).toHaveLength(1);
    const stub = enqueued[0];
    expect(stub?.data).toEqual({ spilled: expect.stringMatching(/^spill:[0-9a-f]{64}$/) });
    expect(JSON.stringify(stub).length).toBeLessThan(2_000);

    await useTargets([
      { id: "up", url: "https://a.example/up" },
      { id: "down", url: "https://a.example/down" },
    ]);
    const fanOut = await consume("meeting-relay-events", eventMessages(stub ? [stub] : []));
    expect(fanOut.acked).toEqual(["m0"]);
    const [delivered] = intercept.requests.filter((d) => d.url.endsWith("/up"));
    const sent = JSON.parse(delivered?.body ?? "{}");
    expect(sent.data.raw).toEqual(bigItem);
    expect(sent.data.spilled).toBeUndefined();
    expect(sent.id).toBe("tencent-meeting:big-0001:0");

    // The retry for the failed target carries the small stub and is put back together when sent.
    const [retry] = fanOut.deliveries.map((sent) => sent.body as DeliveryMessage);
    expect(retry?.event.data.spilled).toBe(stub?.data.spilled);
    intercept.requests.length = 0;
    await useTargets([{ id: "down", url: "https://a.example/up-again" }]);
    const second = await consume("meeting-relay-deliveries", [retry as DeliveryMessage]);
    expect(second.acked).toEqual(["m0"]);
    expect(JSON.parse(intercept.requests[0]?.body ?? "{}").data.raw).toEqual(bigItem);
  });

  it("measures bytes, not characters: a JSON body of 60,000 Chinese characters (180 KB) is spilled too", async () => {
    const notification = { event: "conf.joined", id: "c1", join_time: Date.now(), user_data: "会".repeat(60_000) };
    const { response, enqueued } = await callWorker(yunhuniRequest(notification));
    expect(response.status).toBe(200);
    expect(enqueued[0]?.data.spilled).toMatch(/^spill:/);
    const stored = await env.RELAY_STATE.get(enqueued[0]?.data.spilled ?? "");
    expect(JSON.parse(stored ?? "{}").data.raw.user_data).toBe(notification.user_data);
  });

  // Normalization copies fields: the display name lands in participant.name beside data.raw, so the
  // queued message is twice the body. Under 32 K UTF-16 units the body alone looks safe.
  it("measures what is queued, not the body: a Huawei join whose 31,000-character name is copied is spilled", async () => {
    const name = "张".repeat(31_000);
    const request = await huaweiRequest(
      huaweiEventInfo("meeting.join", { attendeeInfo: { ...HUAWEI_ATTENDEE, displayName: name } }),
    );
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    const key = enqueued[0]?.data.spilled ?? "";
    expect(key).toMatch(/^spill:[0-9a-f]{64}$/);
    expect(JSON.parse((await env.RELAY_STATE.get(key)) ?? "{}").data.participant.name).toBe(name);
  });

  it("small events are queued whole and nothing is written to KV on the response path", async () => {
    const { enqueued } = await callWorker(await tencentEventRequest(base64Json(SEED_CALLBACK)));
    expect(enqueued[0]?.data.raw).toEqual(SEED_CALLBACK.payload[0]);
    expect((await env.RELAY_STATE.list()).keys).toEqual([]);
  });
});

describe("stubs", () => {
  it("carry what routing and the event log need, with every long text cut and hashed, and data only the key", async () => {
    const long = (char: string) => char.repeat(60_000);
    const event = sampleEvent("yunhuni:abc", {
      provider: "yunhuni",
      source: "/webhooks/yunhuni",
      type: `yunhuni/${long("e")}`,
      providerevent: long("e"),
      subject: long("会"),
      data: { meeting: { id: long("会") }, raw: { id: long("会") } },
    });
    const stub = await stubOf(event, "spill:k");
    expect(stub.data).toEqual({ spilled: "spill:k" });
    expect(stub.id).toBe(event.id);
    expect(stub.type).toMatch(/^yunhuni\/e{992}…[0-9a-f]{16}$/);
    expect(stub.providerevent).toMatch(/^e{1000}…[0-9a-f]{16}$/);
    expect(stub.subject).toMatch(/^会{1000}…[0-9a-f]{16}$/);
    expect(JSON.stringify(stub).length).toBeLessThan(4 * STUB_TEXT_CHARS);
    // Two long values that share their first 1,000 characters stay apart.
    expect((await stubOf({ ...event, subject: `${long("会")}x` }, "spill:k")).subject).not.toBe(stub.subject);
    // A cut never splits a surrogate pair.
    const emoji = await stubOf({ ...event, subject: `a${"😀".repeat(600)}` }, "spill:k");
    expect(emoji.subject).toMatch(/^a(😀){499}…[0-9a-f]{16}$/);
  });

  it("keep short texts whole", async () => {
    const event = sampleEvent();
    const { data, ...kept } = await stubOf(event, "spill:k");
    const { data: _data, ...whole } = event;
    expect(kept).toEqual(whole);
    expect(data).toEqual({ spilled: "spill:k" });
  });
});

describe("splitting a callback's events", () => {
  it("goes in bounded pages: what one invocation cannot send within its budget is queued as the rest of the bundle", async () => {
    const payload = Array.from({ length: 5_000 }, (_, i) => ({ operator: { userid: `u${i}` } }));
    const callback = { event: "meeting.participant-joined", sequence: "pages", payload };
    const origin = {
      provider: "tencent-meeting" as const,
      source: "/webhooks/tencent-meeting",
      verified: { kind: "event", callback },
    };
    const receivedAt = Date.now();
    const key = await spillCallback(env.RELAY_STATE, origin);
    const bundle: EventsMessage = { kind: "events", callback: key, count: payload.length, receivedAt };

    const first = await consume("meeting-relay-events", [bundle]);
    expect(first.acked).toEqual(["m0"]);
    const sentFirst = first.events.map(({ body }) => body);
    const rest = sentFirst.filter((body) => body.kind === "events");
    expect(rest).toEqual([{ ...bundle, from: SPLIT_PAGE_OPERATIONS * 100 }]);
    expect(first.eventCalls.length).toBe(SPLIT_PAGE_OPERATIONS + 1);

    const second = await consume("meeting-relay-events", rest as QueueMessage[]);
    expect(second.acked).toEqual(["m0"]);
    const ids = [...sentFirst, ...second.events.map(({ body }) => body)]
      .filter((body): body is EventMessage => body.kind === "event")
      .map((body) => body.event.id);
    expect(ids).toEqual(payload.map((_, i) => `tencent-meeting:pages:${i}`));
    expect(await callbackEvents(env.RELAY_STATE, key, receivedAt)).toHaveLength(5_000);
  });

  it("reads a bundle queued by an earlier version, whose events are in KV as one array", async () => {
    const events: RelayEvent[] = Array.from({ length: 3 }, (_, i) => sampleEvent(`tencent-meeting:earlier:${i}`));
    await env.RELAY_STATE.put("spill:earlier", JSON.stringify(events));
    const bundle: EventsMessage = { kind: "events", spilled: "spill:earlier", count: 3, receivedAt: Date.now() };

    const split = await consume("meeting-relay-events", [bundle]);
    expect(split.acked).toEqual(["m0"]);
    expect(split.events.map(({ body }) => (body as EventMessage).event)).toEqual(events);
  });
});
