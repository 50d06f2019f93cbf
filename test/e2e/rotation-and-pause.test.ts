import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  always,
  type Relay,
  type Sink,
  type SinkRequest,
  settled,
  startRelay,
  startSink,
  waitFor,
} from "../../tools/harness/index.ts";
import { DEMO_CREDENTIALS, sendCallback, tencentMeetingCallback } from "../../tools/harness/samples.ts";

/**
 * Rotation and pause against the real relay (`wrangler dev`, local KV and Queues) and a
 * real HTTP sink on 127.0.0.1:
 * - the relay runs with a new Tencent token and the old one as TENCENT_MEETING_TOKEN_PREVIOUS;
 * - target `gone` takes events, then answers 410 Gone until it recovers; it is rotating its signing
 *   secret, so it gets two signatures;
 * - target `steady` always answers 204.
 */
const ADMIN_TOKEN = "e2e-admin-token-not-a-secret-00000";
const NEW_TOKEN = "e2eTencentTokenNew0000001";
const OLD_TOKEN = "e2eTencentTokenOld0000001";
const secret = (label: string) => `whsec_${Buffer.from(`e2e fake signing secret ${label}`).toString("base64")}`;
const GONE_SECRETS = [secret("new"), secret("old")];
const STEADY_SECRET = secret("steady");

let sink: Sink;
let relay: Relay;

const idOf = (sequence: string) => `tencent-meeting:${sequence}:0`;

async function send(sequence: string, token = NEW_TOKEN): Promise<Response> {
  const { headers, body } = tencentMeetingCallback(
    { ...DEMO_CREDENTIALS, tencentToken: token },
    {
      event: "meeting.started",
      unique_sequence: sequence,
      payload: [{ operate_time: Date.now(), meeting_info: { meeting_id: "6058890385480921052", subject: "e2e" } }],
    },
  );
  return relay.fetch("/webhooks/tencent-meeting", { method: "POST", headers, body });
}

async function sendOk(sequence: string): Promise<void> {
  const response = await send(sequence);
  expect(response.status, await response.clone().text()).toBe(200);
}

interface DeadLetterItem {
  reason: string;
  event: { id: string };
  lastStatus: number | null;
}

async function deadLetters(target: string): Promise<DeadLetterItem[]> {
  const response = await relay.admin("GET", `/admin/dead-letters?target=${target}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: DeadLetterItem[] }).items;
}

const status = (request: SinkRequest) => (typeof request.reply === "string" ? request.reply : request.reply.status);
const forEvent = (path: string, id: string) => sink.requests(path).filter((request) => request.webhookId === id);
const delivered = (path: string, id: string) =>
  forEvent(path, id).filter((request) => {
    const code = status(request);
    return typeof code === "number" && code >= 200 && code < 300;
  });

describe("rotation and pause under wrangler dev", () => {
  beforeAll(async () => {
    sink = await startSink();
    sink.route("/gone", always({ status: 204 }));
    sink.route("/steady", always({ status: 204 }));
    relay = await startRelay({
      vars: { RETRY_SCHEDULE: "1,1,1", ALLOW_INSECURE_TARGETS: "true" },
      secrets: { ADMIN_TOKEN, TENCENT_MEETING_TOKEN: NEW_TOKEN, TENCENT_MEETING_TOKEN_PREVIOUS: OLD_TOKEN },
    });
    const put = await relay.admin("PUT", "/admin/targets", [
      { id: "gone", url: `${sink.url}/gone`, secret: GONE_SECRETS, timeoutMs: 2000 },
      { id: "steady", url: `${sink.url}/steady`, secret: STEADY_SECRET, timeoutMs: 2000 },
    ]);
    expect(put.status, await put.clone().text()).toBe(200);
  });

  afterAll(async () => {
    await relay?.stop();
    await sink?.close();
  });

  it("accepts a callback signed with the previous Tencent token and with the current one, and says which", async () => {
    expect((await send("rot-old", OLD_TOKEN)).status).toBe(200);
    expect((await send("rot-new", NEW_TOKEN)).status).toBe(200);
    const refused = await send("rot-neither", "e2eTencentTokenNeither001");
    expect(refused.status).toBe(401);
    // wrangler relays the Worker's log lines a moment after the response.
    const ingest = (sequence: string) =>
      waitFor(`the ingest line of ${sequence}`, () =>
        relay
          .logLines()
          .find((line) => line.kind === "ingest" && (line.ids as string[] | undefined)?.[0] === idOf(sequence)),
      );
    expect(await ingest("rot-old")).toMatchObject({ outcome: "queued", credential: "previous" });
    expect(await ingest("rot-new")).toMatchObject({ outcome: "queued", credential: "current" });
    await sink.waitFor("both targets to get both accepted callbacks", () =>
      ["rot-old", "rot-new"].every((sequence) =>
        ["/steady", "/gone"].every((path) => delivered(path, idOf(sequence)).length === 1),
      ),
    );
    expect(forEvent("/steady", idOf("rot-neither"))).toEqual([]);
  });

  it("pauses a target that answers 410: one attempt, then every later event is kept, not sent", async () => {
    sink.route("/gone", always({ status: 410 }));
    await sendOk("pause-1");
    const first = await waitFor("gone to be paused", async () => {
      const items = await deadLetters("gone");
      return items.some((item) => item.event.id === idOf("pause-1")) && items;
    });
    expect(first.find((item) => item.event.id === idOf("pause-1"))).toMatchObject({
      reason: "paused",
      lastStatus: 410,
    });
    await sendOk("pause-2");
    await sendOk("pause-3");
    await sink.waitFor("steady to get every paused-time event", () =>
      ["pause-1", "pause-2", "pause-3"].every((sequence) => delivered("/steady", idOf(sequence)).length === 1),
    );
    await waitFor("gone to keep pause-2 and pause-3", async () => {
      const ids = (await deadLetters("gone")).map((item) => item.event.id);
      return ["pause-2", "pause-3"].every((sequence) => ids.includes(idOf(sequence)));
    });
    expect(forEvent("/gone", idOf("pause-1")).map(status)).toEqual([410]);
    expect(forEvent("/gone", idOf("pause-2"))).toEqual([]);
    expect(forEvent("/gone", idOf("pause-3"))).toEqual([]);
  });

  it("resume replays every kept delivery once, and new events flow again: nothing lost, nothing twice", async () => {
    sink.route("/gone", always({ status: 204 }));
    const kept = (await deadLetters("gone")).filter((item) => item.reason === "paused").map((item) => item.event.id);
    const response = await relay.admin("POST", "/admin/targets/gone/resume");
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ target: "gone", paused: false, replayed: kept.length, remaining: false });
    const replayed = ["pause-1", "pause-2", "pause-3"].map(idOf);
    expect(kept.sort()).toEqual([...replayed].sort());
    await sendOk("after-resume");
    const every = [...replayed, idOf("after-resume")];
    await sink.waitFor("gone to take every event", () => every.every((id) => delivered("/gone", id).length > 0));
    // A duplicate would have arrived once nothing is in flight. Attempts so far: both rotation events to
    // both targets (4); pause-1 to both, pause-2 and pause-3 to steady (4); three replays and after-resume
    // to gone, after-resume to steady (5).
    await settled(relay, sink, { expected: 13 });
    for (const id of every) expect(delivered("/gone", id), id).toHaveLength(1);
    expect(await deadLetters("gone")).toEqual([]);
    for (const id of every) expect(delivered("/steady", id), id).toHaveLength(1);
  });

  it("pause and resume by hand: a maintenance window loses nothing", async () => {
    expect((await relay.admin("POST", "/admin/targets/steady/pause")).status).toBe(202);
    await sendOk("maintenance");
    await waitFor("steady to keep the event", async () =>
      (await deadLetters("steady")).some((item) => item.event.id === idOf("maintenance") && item.reason === "paused"),
    );
    expect(forEvent("/steady", idOf("maintenance"))).toEqual([]);
    const resumed = await relay.admin("POST", "/admin/targets/steady/resume");
    expect(await resumed.json()).toEqual({ target: "steady", paused: false, replayed: 1, remaining: false });
    await sink.waitFor(
      "steady to get it after the resume",
      () => delivered("/steady", idOf("maintenance")).length === 1,
    );
    expect((await relay.admin("POST", "/admin/targets/nope/resume")).status).toBe(404);
  });

  it("signs every delivery to the rotating target with both secrets, each verified by standardwebhooks", async () => {
    const requests = sink.requests("/gone");
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect(request.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
      for (const key of GONE_SECRETS) {
        const payload = new Webhook(key).verify(request.body, request.headers) as { id: string };
        expect(payload.id).toBe(request.webhookId);
      }
      expect(() => new Webhook(STEADY_SECRET).verify(request.body, request.headers)).toThrow();
    }
    for (const request of sink.requests("/steady")) {
      expect(request.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
      new Webhook(STEADY_SECRET).verify(request.body, request.headers);
    }
  });
});

describe("after the rotation, once TENCENT_MEETING_TOKEN_PREVIOUS is deleted", () => {
  let after: Relay;
  let afterSink: Sink;

  beforeAll(async () => {
    afterSink = await startSink();
    afterSink.route("/steady", always({ status: 204 }));
    after = await startRelay({
      vars: { ALLOW_INSECURE_TARGETS: "true" },
      secrets: { ADMIN_TOKEN, TENCENT_MEETING_TOKEN: NEW_TOKEN },
    });
    const put = await after.admin("PUT", "/admin/targets", [{ id: "steady", url: `${afterSink.url}/steady` }]);
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await after?.stop();
    await afterSink?.close();
  });

  it("refuses a callback signed with the old token (401) and delivers nothing; the new token still works", async () => {
    const callback = (sequence: string, token: string) =>
      tencentMeetingCallback(
        { ...DEMO_CREDENTIALS, tencentToken: token },
        { event: "meeting.started", unique_sequence: sequence, payload: [{ meeting_info: { meeting_id: "1" } }] },
      );
    const refused = await sendCallback(after.url, callback("after-old", OLD_TOKEN));
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({ error: "signature mismatch", code: "signature_invalid" });
    const accepted = await sendCallback(after.url, callback("after-new", NEW_TOKEN));
    expect(accepted.status).toBe(200);
    // The accepted event arriving after the refused one shows the refused one had its chance.
    await afterSink.waitFor("the accepted event", (requests) =>
      requests.some((request) => request.webhookId === idOf("after-new")),
    );
    expect(afterSink.requests().map((request) => request.webhookId)).toEqual([idOf("after-new")]);
  });
});
