import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import type { Env } from "../../src/core/env";
import worker from "../../src/index";
import { TEST_BINDINGS } from "../support/bindings";
import { answerBots, BOT_SECRETS, BOT_URLS, type FakeBot, fakeFeishu } from "../support/chat-bots";
import { mockFetch } from "../support/fetch";
import { takeInvocations } from "../support/production/operations";
import { recordQueue } from "../support/queue";
import { reset } from "../support/reset";
import { EXAMPLE_TARGET, useTargets } from "../support/targets";

/** A receiver on this machine: what it answers is set per test. */
const RECEIVER: Target = {
  id: "receiver",
  url: "http://127.0.0.1:8799/hooks",
  secret: EXAMPLE_TARGET.secret,
  types: ["meeting.*"],
};
const FEISHU: Target = { id: "team-feishu", kind: "feishu", url: BOT_URLS.feishu, secret: BOT_SECRETS.feishu };
const OFF: Target = { id: "off", url: "https://off.example.com/in", enabled: false };

let outbound: ReturnType<typeof mockFetch>;
let bot: FakeBot;
const receiver = { answer: () => new Response('{"thanks":true}', { status: 200 }) as Response };

beforeEach(async () => {
  await reset();
  await useTargets([RECEIVER, FEISHU, OFF]);
  bot = fakeFeishu(BOT_SECRETS.feishu);
  const bots = answerBots(bot);
  receiver.answer = () => new Response('{"thanks":true}', { status: 200 });
  outbound = mockFetch((request) => (request.url === RECEIVER.url ? receiver.answer() : bots(request)));
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

/** `POST /admin/targets/<id>/test`, recording both queues: a test send queues nothing. */
async function sendTest(id: string, overrides: Partial<Env> = {}) {
  const events = recordQueue(env.EVENTS_QUEUE);
  const deliveries = recordQueue(env.DELIVERIES_QUEUE);
  try {
    takeInvocations();
    const request = new Request(`http://relay.test/admin/targets/${id}/test`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
    });
    const response = await worker.fetch(request, { ...(env as Env), ...overrides }, {} as ExecutionContext);
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      queued: [...events.calls, ...deliveries.calls],
      operations: takeInvocations()[0]?.operations,
    };
  } finally {
    events.restore();
    deliveries.restore();
  }
}

async function loggedEvents(): Promise<number> {
  const row = await env.RELAY_LOG.prepare("SELECT count(*) AS n FROM events").first<{ n: number }>();
  return row?.n ?? 0;
}

describe("POST /admin/targets/<id>/test", () => {
  it("sends one relay.test event to a webhook, signed as any delivery, and answers the attempt", async () => {
    const call = await sendTest("receiver");
    expect(call.status).toBe(200);
    expect(call.body).toEqual({ status: 200, durationMs: expect.any(Number), response: null, ok: true });
    expect(outbound.requests).toHaveLength(1);
    const [sent] = outbound.requests;
    const headers = Object.fromEntries(sent?.headers ?? []);
    // Verified with the standardwebhooks library, independently of the relay's code.
    const event = new Webhook(EXAMPLE_TARGET.secret).verify(sent?.body ?? "", headers) as Record<string, unknown>;
    expect(event).toMatchObject({
      specversion: "1.0",
      type: "relay.test",
      source: "/relay",
      provider: "relay",
      subject: "receiver",
      data: { target: "receiver" },
    });
    expect(headers["webhook-id"]).toBe(event.id);
    expect(String(event.id)).toMatch(/^relay:test:receiver:[0-9a-f-]{36}$/);
    // Outside the pipeline: nothing queued, nothing in the event log.
    expect(call.queued).toEqual([]);
    expect(await loggedEvents()).toBe(0);
    expect(call.operations).toBeLessThanOrEqual(50);
  });

  it("answers a failed attempt with the target's status and ok false (still 200: the test ran)", async () => {
    receiver.answer = () => new Response("down for maintenance", { status: 503 });
    const call = await sendTest("receiver");
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ status: 503, ok: false, error: "HTTP 503" });
    expect(call.queued).toEqual([]);
    expect(await loggedEvents()).toBe(0);
  });

  it("sends a chat target its chat message, signed as the bot checks it, through its send slot", async () => {
    const call = await sendTest("team-feishu");
    expect(call.body).toEqual({ status: 200, durationMs: expect.any(Number), response: null, ok: true });
    expect(bot.refusals).toEqual([]);
    expect(bot.received).toHaveLength(1);
    expect(JSON.stringify(bot.received[0])).toContain("meeting-relay 测试消息");
    expect(call.queued).toEqual([]);
  });

  it("does not send a chat message without a send slot, and says when to try again", async () => {
    const limiter = {
      idFromName: (name: string) => name,
      get: () => ({ take: async () => ({ waitSeconds: 11.2 }) }),
    };
    const call = await sendTest("team-feishu", { CHAT_RATE_LIMITER: limiter as unknown as Env["CHAT_RATE_LIMITER"] });
    expect(call.status).toBe(200);
    expect(call.body).toEqual({
      status: null,
      durationMs: 0,
      response: null,
      ok: false,
      error: "not sent: the bot's rate limit has no send slot now; try again in 12 s",
      retryAfterSeconds: 12,
    });
    expect(outbound.requests).toEqual([]);
  });

  it("tests a paused target: that is how an operator checks a fix", async () => {
    await env.RELAY_STATE.put("paused:receiver", JSON.stringify({ since: new Date().toISOString(), by: "gone" }));
    const call = await sendTest("receiver");
    expect(call.body).toMatchObject({ status: 200, ok: true });
    expect(outbound.requests).toHaveLength(1);
    expect(await env.RELAY_STATE.get("paused:receiver")).not.toBeNull();
  });

  it("404 for an unknown target, 409 for a disabled one, 409 while the document is invalid: nothing sent", async () => {
    expect(await sendTest("nobody")).toMatchObject({
      status: 404,
      body: { error: 'no target with id "nobody"', code: "unknown_target" },
      queued: [],
    });
    expect(await sendTest("off")).toMatchObject({
      status: 409,
      body: {
        error: 'target "off" is disabled: set "enabled": true (or remove it) in the targets document to test it',
        code: "target_disabled",
      },
      queued: [],
    });
    await useTargets('[{"id": "receiver"}]');
    expect(await sendTest("receiver")).toMatchObject({
      status: 409,
      body: { code: "stored_targets_invalid" },
      queued: [],
    });
    expect(outbound.requests).toEqual([]);
  });
});
