import { describe, expect, it } from "vitest";
import type { Clock } from "../../src/providers/types";
import { yunhuni } from "../../src/providers/yunhuni";
import { isAllowed, parseAllowList, parseIp } from "../../src/providers/yunhuni/allow-list";
import { YUNHUNI_TYPES } from "../../src/providers/yunhuni/normalize";
import { lookupFrom } from "../support/credentials";
import {
  CALL_ID,
  CONFERENCE_ID,
  YUNHUNI_SAMPLES,
  YUNHUNI_TOKEN,
  type YunhuniRequestOptions,
  yunhuniInbound,
  yunhuniNotification,
} from "../support/yunhuni";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const clock: Clock = { now: NOW, replayWindowSeconds: 3600 };

function credentialsWith(allowedIps?: string) {
  return yunhuni.credentials(lookupFrom({ YUNHUNI_TOKEN, YUNHUNI_ALLOWED_IPS: allowedIps }));
}

async function verify(
  notification: unknown = yunhuniNotification("conf.joined"),
  options: YunhuniRequestOptions & { rawQuery?: string } = {},
  allowedIps?: string,
) {
  return yunhuni.verify(yunhuniInbound(notification, options), credentialsWith(allowedIps), clock);
}

async function normalizeOne(notification: Record<string, unknown>) {
  const result = await verify(notification);
  if (!result.ok) throw new Error(`expected a verified notification, got ${result.status} ${result.reason}`);
  const [event, ...rest] = await yunhuni.normalize(result.value, NOW);
  expect(rest).toEqual([]);
  if (event === undefined) throw new Error("no event");
  return event;
}

describe("Yunhuni token", () => {
  it("accepts the notify URL's token", async () => {
    expect(await verify()).toEqual({
      ok: true,
      value: { notification: yunhuniNotification("conf.joined") },
      credential: "current",
    });
  });

  it("rejects a missing token", async () => {
    expect(await verify(undefined, { token: null })).toEqual({
      ok: false,
      status: 401,
      reason: "missing token query parameter",
    });
    expect(await verify(undefined, { rawQuery: "token=" })).toMatchObject({ status: 401 });
  });

  it.each([
    ["another token", "yunhuni-token-fake-0002"],
    ["a prefix of it", YUNHUNI_TOKEN.slice(0, -1)],
    ["it with more appended", `${YUNHUNI_TOKEN}x`],
    ["different case", YUNHUNI_TOKEN.toUpperCase()],
  ])("rejects %s", async (_, token) => {
    expect(await verify(undefined, { token })).toEqual({ ok: false, status: 401, reason: "token mismatch" });
  });

  it("reads the first token parameter, percent-decoded, a literal + kept", async () => {
    const credentials = yunhuni.credentials(lookupFrom({ YUNHUNI_TOKEN: "a+b/c=" }));
    const at = (rawQuery: string) =>
      yunhuni.verify(yunhuniInbound(yunhuniNotification("conf.end"), { rawQuery }), credentials, clock);
    expect((await at("x=1&token=a+b/c=")).ok).toBe(true);
    expect((await at("token=a%2Bb%2Fc%3D&token=other")).ok).toBe(true);
    expect(await at("token=a%20b/c=")).toMatchObject({ status: 401, reason: "token mismatch" });
  });
});

describe("Yunhuni IP allow-list", () => {
  const allowed = "198.51.100.7, 203.0.113.0/24, 2001:db8::/32";

  it.each(["198.51.100.7", "203.0.113.200", "2001:db8:0:0::1", "2001:0DB8:ffff::9", "::ffff:198.51.100.7"])(
    "lets %s through",
    async (clientIp) => {
      expect((await verify(undefined, { clientIp }, allowed)).ok).toBe(true);
    },
  );

  it.each([
    ["198.51.100.8", "198.51.100.8"],
    ["outside the range", "203.0.114.1"],
    ["another IPv6 network", "2001:db9::1"],
    ["no CF-Connecting-IP", undefined],
    ["garbage", "not-an-ip"],
  ])("answers 403 for %s", async (_, clientIp) => {
    expect(await verify(undefined, clientIp === undefined ? {} : { clientIp }, allowed)).toEqual({
      ok: false,
      status: 403,
      reason: "client IP is not in YUNHUNI_ALLOWED_IPS",
    });
  });

  it("checks the token before the IP (a 403 would reveal the account), and does not apply when unset or blank", async () => {
    expect(await verify(undefined, { clientIp: "192.0.2.1", token: "wrong" }, allowed)).toMatchObject({ status: 401 });
    expect((await verify(undefined, { clientIp: "192.0.2.1" }, " , ")).ok).toBe(true);
    expect((await verify(undefined, { clientIp: "192.0.2.1" })).ok).toBe(true);
  });

  it("fails closed on unreadable entries and says so", async () => {
    expect(await verify(undefined, { clientIp: "192.0.2.1" }, "192.0.2.0/33, nonsense")).toEqual({
      ok: false,
      status: 403,
      reason: "client IP is not in YUNHUNI_ALLOWED_IPS (YUNHUNI_ALLOWED_IPS has 2 unreadable entries)",
    });
  });

  it("parses IPv4, IPv6 (compressed, embedded IPv4) and rejects malformed addresses", () => {
    expect(parseIp("10.1.2.3")).toEqual(Uint8Array.from([10, 1, 2, 3]));
    expect(parseIp("::1")).toEqual(Uint8Array.from([...new Array(15).fill(0), 1]));
    expect(parseIp("::ffff:10.1.2.3")).toEqual(Uint8Array.from([10, 1, 2, 3]));
    expect(parseIp("64:ff9b::10.1.2.3")?.length).toBe(16);
    for (const bad of ["256.1.1.1", "1.2.3", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", ":1", "1.2.3.4::", ""]) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });

  it("matches CIDR prefixes bit by bit", () => {
    const list = parseAllowList("10.0.0.0/9, 0.0.0.0/0", "YUNHUNI_ALLOWED_IPS") ?? {
      source: "",
      ranges: [],
      unreadable: 0,
    };
    expect(isAllowed(list, "1.2.3.4")).toBe(true);
    const narrow = parseAllowList("10.0.0.0/9", "YUNHUNI_ALLOWED_IPS") ?? { source: "", ranges: [], unreadable: 0 };
    expect(isAllowed(narrow, "10.127.255.255")).toBe(true);
    expect(isAllowed(narrow, "10.128.0.0")).toBe(false);
    expect(isAllowed(narrow, "::ffff:10.1.0.0")).toBe(true);
  });
});

describe("Yunhuni malformed input", () => {
  it("answers 400 for a body that is not a JSON object", async () => {
    const notObject = { ok: false, status: 400, reason: "body is not a JSON object" };
    expect(await verify(undefined, { body: '{"event": ' })).toEqual(notObject);
    expect(await verify(undefined, { body: "null" })).toEqual(notObject);
  });

  it.each([
    ["event", { event: undefined }, "body has no event string"],
    ["event", { event: 7 }, "body has no event string"],
    ["id", { id: undefined }, "body has no conference id string"],
    ["id", { id: "" }, "body has no conference id string"],
  ])("answers 400 for a missing or mistyped %s", async (_, change, reason) => {
    expect(await verify(yunhuniNotification("conf.joined", change))).toEqual({ ok: false, status: 400, reason });
  });

  it.each([
    ["conf.joined", "join_time", "yesterday"],
    ["conf.joined", "join_time", { at: 1 }],
    ["conf.joined", "join_time", 9_007_199_254_740_992],
    ["conf.joined", "join_time", 1e20],
    ["conf.joined", "join_time", -1],
    ["conf.joined", "join_time", ""],
    ["conf.quit", "quit_time", [1_763_728_260_000]],
  ])("queues a %s whose %s is %j, with that time left out", async (name, field, value) => {
    const notification = yunhuniNotification(name, { [field]: value });
    expect(await verify(notification)).toMatchObject({ ok: true, value: { notification } });
    const event = await normalizeOne(notification);
    const plain = await normalizeOne(yunhuniNotification(name));
    const { [field === "join_time" ? "joined" : "left"]: _, ...rest } = plain.data.participant ?? {};
    expect(event.data.participant).toEqual(rest);
    // Its own time unreadable: timed at receipt.
    expect(event.time).toBe("2026-11-21T12:00:00Z");
    expect(event.id).not.toBe(plain.id);
  });

  it("queues a call_id sent as a number as its text, and one of another type not at all", async () => {
    const numbered = await normalizeOne(yunhuniNotification("conf.joined", { call_id: 42 }));
    expect(numbered.data.participant).toMatchObject({ id: "42" });
    const odd = yunhuniNotification("conf.joined", { call_id: { id: "c1" } });
    expect(await verify(odd)).toMatchObject({ ok: true });
    expect((await normalizeOne(odd)).data.participant).not.toHaveProperty("id");
  });

  it("times an event named like an Object property (constructor) by its latest time field", async () => {
    const event = await normalizeOne(yunhuniNotification("constructor", { join_time: 1_763_726_460_000 }));
    expect(event).toMatchObject({ type: "yunhuni/constructor", time: "2025-11-21T12:01:00Z" });
  });

  it("accepts null times (conf.end of a conference that failed to start)", async () => {
    const failed = yunhuniNotification("conf.end", { begin_time: null, end_time: null, error: "资源不足" });
    const event = await normalizeOne(failed);
    expect(event.time).toBe("2026-11-21T12:00:00Z");
    expect(event.data.meeting).toEqual({ id: CONFERENCE_ID, error: "资源不足" });
  });
});

describe("Yunhuni normalization", () => {
  it.each(Object.entries(YUNHUNI_TYPES))("maps %s to %s", async (event, type) => {
    expect(await normalizeOne(yunhuniNotification(event))).toMatchObject({
      type,
      providerevent: event,
      subject: CONFERENCE_ID,
    });
  });

  it("maps every documented event type", () => {
    expect(YUNHUNI_TYPES).toEqual({
      "conf.create.succ": "meeting.created",
      "conf.end": "meeting.ended",
      "conf.joined": "participant.joined",
      "conf.quit": "participant.left",
      "conf.record_end": "recording.completed",
      "conf.play_end": "playback.completed",
    });
  });

  it("forwards an unknown event as yunhuni/<event>, timed by its latest time field", async () => {
    const event = await normalizeOne(yunhuniNotification("conf.mute", { join_time: 1_763_726_460_000 }));
    expect(event).toMatchObject({ type: "yunhuni/conf.mute", time: "2025-11-21T12:01:00Z" });
  });

  it("describes a participant leaving, with raw untouched (action and user_data included)", async () => {
    const notification = yunhuniNotification("conf.quit", { user_data: "客户：李四" });
    const event = await normalizeOne(notification);
    expect(event).toEqual({
      id: expect.stringMatching(/^yunhuni:[0-9a-f]{64}$/),
      type: "participant.left",
      subject: CONFERENCE_ID,
      time: "2025-11-21T12:31:00Z",
      providerevent: "conf.quit",
      data: {
        meeting: { id: CONFERENCE_ID },
        participant: {
          id: CALL_ID,
          phone: "13800000000",
          uri: "13800000000",
          joined: "2025-11-21T12:01:00Z",
          left: "2025-11-21T12:31:00Z",
        },
        raw: notification,
      },
    });
  });

  it("keeps a VoIP account out of phone", async () => {
    const event = await normalizeOne(yunhuniNotification("conf.joined", { part_uri: "sip:alice@example.com" }));
    expect(event.data.participant).toEqual({
      id: CALL_ID,
      uri: "sip:alice@example.com",
      joined: "2025-11-21T12:01:00Z",
    });
  });

  it("times each event by its own field", async () => {
    const times = await Promise.all(
      Object.keys(YUNHUNI_SAMPLES).map(async (name) => [name, (await normalizeOne(yunhuniNotification(name))).time]),
    );
    expect(Object.fromEntries(times)).toEqual({
      "conf.create.succ": "2025-11-21T12:00:00Z",
      "conf.end": "2025-11-21T13:00:00Z",
      "conf.joined": "2025-11-21T12:01:00Z",
      "conf.quit": "2025-11-21T12:31:00Z",
      "conf.play_end": "2025-11-21T12:02:10Z",
      "conf.record_end": "2025-11-21T13:00:00Z",
    });
  });

  it("puts conference start/end on meeting, and a recording's span on recording", async () => {
    expect((await normalizeOne(yunhuniNotification("conf.end"))).data).toMatchObject({
      meeting: { id: CONFERENCE_ID, start: "2025-11-21T12:00:00Z", end: "2025-11-21T13:00:00Z" },
    });
    const recording = await normalizeOne(yunhuniNotification("conf.record_end"));
    expect(recording.data.meeting).toEqual({ id: CONFERENCE_ID });
    expect(recording.data.recording).toEqual({ start: "2025-11-21T12:00:00Z", end: "2025-11-21T13:00:00Z" });
  });

  it("gives an identical retry the same id, and leaves fields outside the identity out of it", async () => {
    const notification = yunhuniNotification("conf.joined");
    const first = await normalizeOne(notification);
    expect((await normalizeOne(structuredClone(notification))).id).toBe(first.id);
    expect((await normalizeOne({ ...notification, user_data: "changed" })).id).toBe(first.id);
  });

  it("gives different events different ids", async () => {
    const variants = [
      yunhuniNotification("conf.joined"),
      yunhuniNotification("conf.quit"),
      yunhuniNotification("conf.joined", { call_id: "another-call" }),
      yunhuniNotification("conf.joined", { id: "another-conference" }),
      yunhuniNotification("conf.joined", { join_time: 1_763_726_460_001 }),
      yunhuniNotification("conf.play_end"),
      yunhuniNotification("conf.record_end"),
    ];
    const ids = await Promise.all(variants.map(async (n) => (await normalizeOne(n)).id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("answers 200 with a small JSON body and has no handshake", async () => {
    const result = await verify();
    if (!result.ok) throw new Error("not verified");
    expect(yunhuni.handshake(result.value)).toBeNull();
    expect(yunhuni.success(result.value)).toEqual({
      status: 200,
      body: '{"ok":true}',
      contentType: "application/json; charset=utf-8",
    });
  });
});
