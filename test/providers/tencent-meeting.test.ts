import { describe, expect, it } from "vitest";
import { candidatesOf } from "../../src/providers/candidates";
import { tencentMeeting } from "../../src/providers/tencent-meeting";
import { TENCENT_MEETING_TYPES } from "../../src/providers/tencent-meeting/normalize";
import { tencentSignature } from "../../src/providers/tencent-meeting/verify";
import type { Clock, InboundRequest } from "../../src/providers/types";
import { base64Json, SEED_CALLBACK, SEED_DATA, SEED_EVENT_DATA, TENCENT_TOKEN } from "../support/tencent-meeting";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const clock: Clock = { now: NOW, replayWindowSeconds: 3600 };
const credentials = { tokens: candidatesOf(TENCENT_TOKEN) };

interface Options {
  data?: string;
  body?: string;
  timestamp?: string;
  nonce?: string;
  signature?: string;
  token?: string;
  method?: "GET" | "POST";
  rawQuery?: string;
  drop?: string;
}

/** One correctly signed request; each test changes exactly one thing. */
async function request(options: Options = {}): Promise<InboundRequest> {
  const data = options.data ?? SEED_DATA;
  const timestamp = options.timestamp ?? String(NOW / 1000);
  const nonce = options.nonce ?? "1735688459";
  const signature =
    options.signature ?? (await tencentSignature(options.token ?? TENCENT_TOKEN, timestamp, nonce, data));
  const headers = new Headers({ timestamp, nonce, signature });
  if (options.drop) headers.delete(options.drop);
  const method = options.method ?? "POST";
  return {
    method,
    rawQuery: options.rawQuery ?? (method === "GET" ? `check_str=${encodeURIComponent(data)}` : ""),
    headers,
    body: method === "GET" ? "" : (options.body ?? JSON.stringify({ data })),
    clientIp: undefined,
  };
}

async function verify(options: Options = {}, at: Clock = clock) {
  return tencentMeeting.verify(await request(options), credentials, at);
}

describe("Tencent Meeting signature", () => {
  it("sorts the four strings in byte order, not locale order", async () => {
    // Upper case sorts before lower case in byte order; a locale compare would interleave them.
    const expected = await crypto.subtle.digest("SHA-1", new TextEncoder().encode("Bazfoo"));
    const hex = [...new Uint8Array(expected)].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await tencentSignature("foo", "B", "", "az")).toBe(hex);
  });

  it("accepts Tencent's documented callback signed with the token", async () => {
    const result = await verify();
    expect(result.ok).toBe(true);
  });

  it("accepts an upper-case hex signature", async () => {
    const signature = (
      await tencentSignature(TENCENT_TOKEN, String(NOW / 1000), "1735688459", SEED_DATA)
    ).toUpperCase();
    expect((await verify({ signature })).ok).toBe(true);
  });

  it("rejects another token's signature", async () => {
    expect(await verify({ token: "another-token-000000000000" })).toEqual({
      ok: false,
      status: 401,
      reason: "signature mismatch",
    });
  });

  it("rejects a signature one character off", async () => {
    const good = await tencentSignature(TENCENT_TOKEN, String(NOW / 1000), "1735688459", SEED_DATA);
    const signature = `${good.slice(0, -1)}${good.endsWith("0") ? "1" : "0"}`;
    expect(await verify({ signature })).toMatchObject({ status: 401, reason: "signature mismatch" });
  });

  it("rejects a signature that is not a SHA-1 hex digest before hashing", async () => {
    expect(await verify({ signature: "abc" })).toMatchObject({
      status: 401,
      reason: "signature header is not a SHA-1 hex digest",
    });
  });

  for (const header of ["timestamp", "nonce", "signature"]) {
    it(`rejects a request without the ${header} header`, async () => {
      expect(await verify({ drop: header })).toMatchObject({
        status: 401,
        reason: "missing timestamp, nonce or signature header",
      });
    });
  }

  it("rejects a timestamp that is not a number", async () => {
    expect(await verify({ timestamp: "yesterday" })).toMatchObject({
      status: 401,
      reason: "timestamp header is not a Unix time",
    });
  });

  it("rejects a stale and a future timestamp, in seconds or milliseconds", async () => {
    for (const timestamp of [String(NOW / 1000 - 3601), String(NOW / 1000 + 3601), String(NOW - 3_601_000)]) {
      expect(await verify({ timestamp })).toMatchObject({
        status: 401,
        reason: "timestamp is outside the replay window",
      });
    }
  });

  it("accepts a millisecond timestamp inside the window", async () => {
    expect((await verify({ timestamp: String(NOW - 1000) })).ok).toBe(true);
  });

  it("accepts any timestamp when REPLAY_WINDOW_SECONDS is 0", async () => {
    expect((await verify({ timestamp: "1609234866" }, { now: NOW, replayWindowSeconds: 0 })).ok).toBe(true);
  });
});

describe("Tencent Meeting events", () => {
  it("rejects a body that is not JSON", async () => {
    expect(await verify({ body: "{data:" })).toMatchObject({ status: 400, reason: "body is not a JSON object" });
  });

  it("rejects a body without a data string", async () => {
    expect(await verify({ body: '{"data":42}' })).toMatchObject({ status: 400, reason: "body has no data string" });
  });

  it("rejects signed data that is not base64", async () => {
    expect(await verify({ data: "not base64!" })).toMatchObject({
      status: 400,
      reason: "data is not base64-encoded UTF-8",
    });
  });

  it("rejects signed base64 that is not UTF-8", async () => {
    expect(await verify({ data: "/w==" })).toMatchObject({ status: 400, reason: "data is not base64-encoded UTF-8" });
  });

  it("rejects decoded data without event or payload", async () => {
    const cases: [unknown, string][] = [
      [[1, 2], "decoded data is not a JSON object"],
      [{ ...SEED_CALLBACK, event: "" }, "decoded data has no event"],
    ];
    for (const [callback, reason] of cases) {
      expect(await verify({ data: base64Json(callback) })).toMatchObject({ status: 400, reason });
    }
  });

  it.each([
    ["an object (one item sent bare)", { operate_time: 1_763_726_400, meeting_info: { meeting_id: "m1" } }],
    ["null", null],
    ["a string", "x"],
    ["missing", undefined],
  ])("queues a signed callback whose payload is %s as one event, its payload as raw", async (_, payload) => {
    const callback = { event: "meeting.started", unique_sequence: "seq-1", payload };
    const result = await verify({ data: base64Json(callback) });
    if (!result.ok) throw new Error(result.reason);
    const drafts = await tencentMeeting.normalize(result.value, NOW);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      id: "tencent-meeting:seq-1:0",
      type: "meeting.started",
      data: { raw: payload ?? null },
    });
  });

  it("queues nothing for a payload that is an empty array: it carries no item", async () => {
    const result = await verify({ data: base64Json({ event: "meeting.started", unique_sequence: "s", payload: [] }) });
    if (!result.ok) throw new Error(result.reason);
    expect(await tencentMeeting.normalize(result.value, NOW)).toEqual([]);
  });

  it("normalizes Tencent's documented callback exactly as docs/architecture.md's example", async () => {
    const result = await verify();
    if (!result.ok) throw new Error(result.reason);
    expect(tencentMeeting.handshake(result.value)).toBeNull();
    expect(await tencentMeeting.normalize(result.value, NOW)).toEqual([
      {
        id: "tencent-meeting:f20096ee-8ac8-4df2-a7de-0574649f211b:0",
        type: "meeting.created",
        subject: "6058890385480921052",
        time: "2020-12-29T09:41:06Z",
        providerevent: "meeting.created",
        data: SEED_EVENT_DATA,
      },
    ]);
    expect(tencentMeeting.success(result.value)).toEqual({
      status: 200,
      body: "successfully received callback",
      contentType: "text/plain; charset=utf-8",
    });
  });

  it("turns each payload item into its own event with the item's index in the id", async () => {
    const item = SEED_CALLBACK.payload[0];
    const data = base64Json({ ...SEED_CALLBACK, payload: [item, { ...item, operate_time: 1609234867000 }, "odd"] });
    const result = await verify({ data });
    if (!result.ok) throw new Error(result.reason);
    const events = await tencentMeeting.normalize(result.value, NOW);
    expect(events.map((event) => event.id)).toEqual(
      [0, 1, 2].map((i) => `tencent-meeting:${SEED_CALLBACK.unique_sequence}:${i}`),
    );
    expect(events.map((event) => event.time)).toEqual([
      "2020-12-29T09:41:06Z",
      "2020-12-29T09:41:07Z",
      "2026-11-21T12:00:00Z",
    ]);
    expect(events[2]?.data.raw).toBe("odd");
  });

  it("keeps Chinese subjects intact through base64 and UTF-8", async () => {
    const item = { ...SEED_CALLBACK.payload[0], meeting_info: { meeting_id: "1", subject: "周会：产品评审 🎉" } };
    const result = await verify({ data: base64Json({ ...SEED_CALLBACK, payload: [item] }) });
    if (!result.ok) throw new Error(result.reason);
    const [event] = await tencentMeeting.normalize(result.value, NOW);
    expect(event?.data.meeting).toEqual({ id: "1", subject: "周会：产品评审 🎉" });
    expect(event?.data.raw).toEqual(item);
  });

  for (const [providerEvent, type] of Object.entries(TENCENT_MEETING_TYPES)) {
    it(`maps ${providerEvent} to ${type}`, async () => {
      const result = await verify({ data: base64Json({ ...SEED_CALLBACK, event: providerEvent }) });
      if (!result.ok) throw new Error(result.reason);
      const [event] = await tencentMeeting.normalize(result.value, NOW);
      expect(event?.type).toBe(type);
      expect(event?.providerevent).toBe(providerEvent);
    });
  }

  it("forwards an unknown event as tencent-meeting/<event>", async () => {
    const result = await verify({ data: base64Json({ ...SEED_CALLBACK, event: "recording.paused" }) });
    if (!result.ok) throw new Error(result.reason);
    const [event] = await tencentMeeting.normalize(result.value, NOW);
    expect(event?.type).toBe("tencent-meeting/recording.paused");
  });

  it("describes the participant of participant events with join and leave times", async () => {
    const item = {
      operate_time: 1609234866000,
      operator: { userid: "u1", user_name: "张三" },
      meeting_info: { meeting_id: "m1", start_time: 1609234800, end_time: 1609238400 },
    };
    for (const [providerEvent, expected] of [
      ["meeting.participant-joined", { id: "u1", name: "张三", joined: "2020-12-29T09:41:06Z" }],
      ["meeting.participant-left", { id: "u1", name: "张三", left: "2020-12-29T09:41:06Z" }],
      ["meeting.participant-admitted", { id: "u1", name: "张三" }],
    ] as const) {
      const result = await verify({ data: base64Json({ ...SEED_CALLBACK, event: providerEvent, payload: [item] }) });
      if (!result.ok) throw new Error(result.reason);
      const [event] = await tencentMeeting.normalize(result.value, NOW);
      expect(event?.data.participant).toEqual(expected);
      expect(event?.data.meeting).toEqual({ id: "m1", start: "2020-12-29T09:40:00Z", end: "2020-12-29T10:40:00Z" });
    }
  });
});

describe("Tencent Meeting URL verification", () => {
  it("answers the decoded check_str as plain text", async () => {
    const checkStr = base64Json("验证 ok+/");
    const result = await verify({ method: "GET", data: checkStr });
    if (!result.ok) throw new Error(result.reason);
    expect(tencentMeeting.handshake(result.value)).toEqual({
      status: 200,
      body: '"验证 ok+/"',
      contentType: "text/plain; charset=utf-8",
    });
  });

  it("decodes the raw query with decodeURIComponent so a literal + survives", async () => {
    // base64 of "~~~>>?" has a "+", written literally in the query as Tencent may send it.
    const checkStr = "fn5+Pj4/";
    const result = await verify({ method: "GET", data: checkStr, rawQuery: `check_str=${checkStr}` });
    expect(result.ok).toBe(true);
  });

  it("rejects a GET without check_str", async () => {
    expect(await verify({ method: "GET", rawQuery: "other=1" })).toMatchObject({
      status: 400,
      reason: "missing check_str query parameter",
    });
  });

  it("rejects a check_str that is not URL-encoded", async () => {
    expect(await verify({ method: "GET", data: "%E0%A4%A", rawQuery: "check_str=%E0%A4%A" })).toMatchObject({
      status: 400,
      reason: "check_str is not URL-encoded",
    });
  });
});
