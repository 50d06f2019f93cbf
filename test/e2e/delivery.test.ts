import { type CloudEvent, HTTP } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  always,
  failFirst,
  type Relay,
  type Sink,
  type SinkRequest,
  settled,
  startRelay,
  startSink,
  waitFor,
} from "../../tools/harness/index.ts";
import { DEMO_CREDENTIALS, tencentMeetingCallback } from "../../tools/harness/samples.ts";

/**
 * Failure injection against the real relay (`wrangler dev`, local KV and Queues)
 * and a real HTTP sink on 127.0.0.1, with RETRY_SCHEDULE=1,1,1 (four attempts):
 * - target a fails twice (HTTP 500, then a dropped connection) and recovers;
 * - target b never recovers (503, Retry-After: 1) until it is told to, then its
 *   dead letters are replayed through the admin API;
 * - target c always answers 204 and must see each event exactly once.
 */
const ADMIN_TOKEN = "e2e-admin-token-not-a-secret-00000";
const CREDENTIALS = { ...DEMO_CREDENTIALS, tencentToken: "e2eTencentToken0000000001" };
const secretOf = (name: string) => `whsec_${Buffer.from(`e2e fake secret for target ${name}`).toString("base64")}`;
const SEQUENCES = ["e2e-seq-one", "e2e-seq-two"];
const IDS = SEQUENCES.map((sequence) => `tencent-meeting:${sequence}:0`);

interface DeadLetterItem {
  id: string;
  target: string;
  event: { id: string };
  attempts: number;
  lastStatus: number | null;
  lastError: string;
  firstAttemptAt: string;
  lastAttemptAt: string;
}

let sink: Sink;
let relay: Relay;

async function sendCallback(uniqueSequence: string): Promise<void> {
  const { headers, body } = tencentMeetingCallback(CREDENTIALS, {
    event: "meeting.started",
    unique_sequence: uniqueSequence,
    payload: [
      { operate_time: Date.now(), meeting_info: { meeting_id: "6058890385480921052", subject: "e2e meeting" } },
    ],
  });
  const response = await relay.fetch("/webhooks/tencent-meeting", { method: "POST", headers, body });
  expect(response.status).toBe(200);
  expect(await response.text()).toBe("successfully received callback");
}

async function deadLetters(target: string): Promise<DeadLetterItem[]> {
  const response = await relay.admin("GET", `/admin/dead-letters?target=${target}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: DeadLetterItem[] }).items;
}

const status = (request: SinkRequest) => (typeof request.reply === "string" ? request.reply : request.reply.status);
const forEvent = (path: string, id: string) => sink.requests(path).filter((request) => request.webhookId === id);

/** Checks a delivery as a target would: Standard Webhooks signature, then the CloudEvents envelope. */
function verifyDelivery(request: SinkRequest, target: string): CloudEvent<unknown> {
  const payload = new Webhook(secretOf(target)).verify(request.body, request.headers) as { id: string };
  expect(payload.id).toBe(request.webhookId);
  expect(request.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
  const event = HTTP.toEvent({ headers: request.headers, body: request.body }) as CloudEvent<unknown>;
  expect(event.validate()).toBe(true);
  expect(event).toMatchObject({ specversion: "1.0", id: request.webhookId, type: "meeting.started" });
  return event;
}

describe("delivery that loses nothing: wrangler dev against a failing local sink", () => {
  beforeAll(async () => {
    sink = await startSink();
    sink.route("/a", failFirst([{ status: 500 }, "reset"]));
    sink.route("/b", always({ status: 503, headers: { "retry-after": "1" } }));
    sink.route("/c", always({ status: 204 }));
    relay = await startRelay({
      vars: { RETRY_SCHEDULE: "1,1,1", ALLOW_INSECURE_TARGETS: "true" },
      secrets: { ADMIN_TOKEN, TENCENT_MEETING_TOKEN: CREDENTIALS.tencentToken },
    });
    const targets = ["a", "b", "c"].map((id) => ({
      id,
      url: `${sink.url}/${id}`,
      secret: secretOf(id),
      timeoutMs: 2000,
    }));
    const put = await relay.admin("PUT", "/admin/targets", targets);
    expect(put.status, await put.clone().text()).toBe(200);

    await sendCallback(SEQUENCES[0] as string);
    // Tencent retries a callback it thinks failed; once the first fan-out is done, the repeat must be dropped.
    await waitFor(
      "the first event's fan-out",
      () => relay.logLines().some((line) => line.kind === "fan-out" && line.outcome === "done" && line.id === IDS[0]),
      { explain: () => relay.output() },
    );
    await sendCallback(SEQUENCES[0] as string);
    await sendCallback(SEQUENCES[1] as string);
  });

  afterAll(async () => {
    await relay?.stop();
    await sink?.close();
  });

  it("target a recovers after two failures: three attempts, same webhook-id, at least the scheduled second apart", async () => {
    await sink.waitFor("a to accept both events", () =>
      IDS.every((id) => forEvent("/a", id).some((request) => status(request) === 204)),
    );
    for (const id of IDS) {
      const attempts = forEvent("/a", id);
      expect(attempts.map(status)).toEqual([500, "reset", 204]);
      expect(new Set(attempts.map((request) => request.body)).size).toBe(1);
      for (const [i, request] of attempts.entries()) {
        verifyDelivery(request, "a");
        if (i > 0) expect(request.receivedAt - (attempts[i - 1] as SinkRequest).receivedAt).toBeGreaterThanOrEqual(900);
      }
    }
  });

  it("target b never recovers: four attempts, then one dead letter per event, logged with its reason", async () => {
    const letters = await waitFor("b's dead letters", async () => {
      const items = await deadLetters("b");
      return items.length === IDS.length && items;
    });
    for (const id of IDS) {
      expect(forEvent("/b", id).map(status)).toEqual([503, 503, 503, 503]);
      const letter = letters.find((item) => item.event.id === id) as DeadLetterItem;
      expect(letter).toMatchObject({ target: "b", attempts: 4, lastStatus: 503, lastError: "HTTP 503" });
      const span = Date.parse(letter.lastAttemptAt) - Date.parse(letter.firstAttemptAt);
      expect(span).toBeGreaterThanOrEqual(2_500);
      // The dead letter keeps the very event the other targets received.
      expect(letter.event).toEqual(JSON.parse((forEvent("/c", id)[0] as SinkRequest).body));
      expect(relay.logLines()).toContainEqual(
        expect.objectContaining({ kind: "dead-letter", outcome: "stored", id, target: "b", reason: "HTTP 503" }),
      );
    }
    expect(await deadLetters("a")).toEqual([]);
    expect(await deadLetters("c")).toEqual([]);
  });

  it("target c, which never fails, receives each event exactly once (a platform repeat included)", async () => {
    // The repeat reached fan-out and was dropped, and nothing else is in flight.
    await waitFor("the repeat dropped by dedup", () =>
      relay.logLines().some((line) => line.kind === "fan-out" && line.outcome === "duplicate" && line.id === IDS[0]),
    );
    // By now: a three attempts per event, b four, c one: 16 in all.
    await settled(relay, sink, { expected: 16 });
    const received = sink.requests("/c");
    expect(received.map((request) => request.webhookId).sort()).toEqual([...IDS].sort());
    for (const request of received) verifyDelivery(request, "c");
  });

  it("after b recovers, replaying its dead letters through the admin API delivers them", async () => {
    sink.route("/b", always({ status: 200, body: "ok" }));
    for (const letter of await deadLetters("b")) {
      const response = await relay.admin("POST", `/admin/dead-letters/${encodeURIComponent(letter.id)}/replay`);
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ id: letter.id, target: "b", event: letter.event.id, status: "queued" });
    }
    await sink.waitFor("b to accept both replays", () =>
      IDS.every((id) => forEvent("/b", id).some((request) => status(request) === 200)),
    );
    for (const id of IDS) {
      const last = forEvent("/b", id).at(-1) as SinkRequest;
      expect(status(last)).toBe(200);
      verifyDelivery(last, "b");
    }
    expect(await deadLetters("b")).toEqual([]);

    await settled(relay, sink, { expected: 18 }); // and one replay per event to b
    expect(IDS.map((id) => forEvent("/a", id).length)).toEqual([3, 3]);
    expect(IDS.map((id) => forEvent("/b", id).length)).toEqual([5, 5]);
    expect(IDS.map((id) => forEvent("/c", id).length)).toEqual([1, 1]);
  });

  it("the event log (D1) shows each event once with every target's attempts, and redelivers past dedup", async () => {
    type Listed = {
      id: string;
      deliveries: { target: string; outcome: string; attempts: number; lastStatus: number | null }[];
    };
    const logged = await waitFor("the replays in the event log", async () => {
      const response = await relay.admin("GET", "/admin/events?provider=tencent-meeting");
      const { items } = (await response.json()) as { items: Listed[] };
      const done =
        items.length === IDS.length && items.every((item) => item.deliveries.every((d) => d.outcome === "delivered"));
      return done && items;
    });
    expect(logged.map((item) => item.id).sort()).toEqual([...IDS].sort());
    for (const item of logged) {
      const byTarget = [...item.deliveries].sort((x, y) => x.target.localeCompare(y.target));
      expect(byTarget).toEqual([
        { target: "a", outcome: "delivered", attempts: 3, lastStatus: 204, lastAttemptAt: expect.any(String) },
        { target: "b", outcome: "delivered", attempts: 5, lastStatus: 200, lastAttemptAt: expect.any(String) },
        { target: "c", outcome: "delivered", attempts: 1, lastStatus: 204, lastAttemptAt: expect.any(String) },
      ]);
    }
    const detail = await relay.admin("GET", `/admin/events/${IDS[0]}`);
    const { event, attempts } = (await detail.json()) as {
      event: { id: string };
      attempts: { target: string; status: number | null; outcome: string }[];
    };
    expect(event).toEqual(JSON.parse((forEvent("/c", IDS[0] as string)[0] as SinkRequest).body));
    expect(
      attempts.filter((attempt) => attempt.target === "a").map((attempt) => [attempt.status, attempt.outcome]),
    ).toEqual([
      [500, "retry"],
      [null, "retry"],
      [204, "delivered"],
    ]);

    const redeliver = await relay.admin("POST", `/admin/events/${IDS[0]}/redeliver`, { targets: ["c"] });
    expect(redeliver.status).toBe(202);
    await sink.waitFor("c to receive the redelivery", () => forEvent("/c", IDS[0] as string).length === 2);
    verifyDelivery(forEvent("/c", IDS[0] as string)[1] as SinkRequest, "c");
  });
});
