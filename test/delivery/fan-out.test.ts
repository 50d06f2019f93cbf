import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import type { RelayEvent } from "../../src/core/cloud-event";
import { encodeUtf8 } from "../../src/lib/bytes";
import type { DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { deliverableBody } from "../../src/queue/spill";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { loggedLines } from "../support/log";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

const EVENTS = "meeting-relay-events";
const UP: Target = { id: "up", url: "https://up.example.com/in" };
const DOWN: Target = { id: "down", url: "https://down.example.com/in" };

function fresh(event: RelayEvent = sampleEvent()): EventMessage {
  return { kind: "event", event, receivedAt: Date.now() };
}

let answer: (request: Request) => Response | Promise<Response>;
let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await reset();
  vi.spyOn(Math, "random").mockReturnValue(0);
  answer = (request) => new Response(null, { status: request.url.startsWith(DOWN.url) ? 503 : 204 });
  outbound = mockFetch((request) => answer(request));
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

describe("fan-out: the inline first attempt", () => {
  it("queues one retry for the failed pair with RETRY_SCHEDULE[0] as its delay and acknowledges the event", async () => {
    await useTargets([UP, DOWN]);
    const run = await consume(EVENTS, [fresh()]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.retried).toEqual([]);
    expect(run.deliveries).toEqual([
      {
        body: {
          kind: "delivery",
          event: sampleEvent(),
          target: "down",
          attemptsBefore: 1,
          firstAttemptAt: expect.any(Number),
        },
        delaySeconds: 10,
      },
    ]);
    expect(outbound.requests.map((r) => r.url).sort()).toEqual([DOWN.url, UP.url]);
  });

  it("honours Retry-After on the first attempt", async () => {
    await useTargets([DOWN]);
    answer = () => new Response(null, { status: 429, headers: { "retry-after": "90" } });
    const run = await consume(EVENTS, [fresh()], { env: { RETRY_SCHEDULE: "5,5" } });
    expect(run.deliveries.map((d) => d.delaySeconds)).toEqual([90]);
  });

  it("uses RETRY_SCHEDULE's first delay when set", async () => {
    await useTargets([DOWN]);
    const run = await consume(EVENTS, [fresh()], { env: { RETRY_SCHEDULE: "1,1,1" } });
    expect(run.deliveries.map((d) => d.delaySeconds)).toEqual([1]);
  });

  it("when the retries cannot be queued, remembers who has the event and retries it in 10 s", async () => {
    await useTargets([UP, DOWN]);
    const { result: failed, lines } = await loggedLines(() =>
      consume(EVENTS, [fresh()], { deliveriesFailWith: new Error("queue unavailable") }),
    );
    expect(failed).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 10 }] });
    expect(await env.RELAY_STATE.get("fanout:tencent-meeting:seq-1:0", "json")).toEqual(["up"]);
    expect(await env.RELAY_STATE.get("dedup:tencent-meeting:seq-1:0")).toBeNull();
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "fan-out", outcome: "requeue", reason: "could not finish: queue unavailable" }),
    );

    // Queues delivers it again: the target that has it is not sent it twice.
    const again = await consume(EVENTS, [fresh()], { attempts: 2 });
    expect(again.acked).toEqual(["m0"]);
    expect(again.deliveries.map((d) => (d.body.kind === "delivery" ? d.body.target : ""))).toEqual(["down"]);
    expect(outbound.requests.map((r) => r.url)).toEqual(expect.arrayContaining([UP.url, DOWN.url, DOWN.url]));
    expect(outbound.requests.filter((r) => r.url === UP.url)).toHaveLength(1);
  });

  it("queues the retries of a large event to many failing targets within Queues' 256 KB per sendBatch", async () => {
    const downs = Array.from({ length: 15 }, (_, i): Target => ({ id: `down-${i}`, url: `${DOWN.url}/${i}` }));
    await useTargets(downs);
    const event = sampleEvent("tencent-meeting:wide:0", { data: { raw: { notes: "x".repeat(20_000) } } });
    const run = await consume(EVENTS, [fresh(event)]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(run.deliveryCalls.flat()).toHaveLength(15);
    for (const call of run.deliveryCalls) {
      expect(call.reduce((bytes, body) => bytes + encodeUtf8(JSON.stringify(body)).byteLength, 0)).toBeLessThanOrEqual(
        256_000,
      );
    }
    // Each retry still delivers the whole event: carried, or read back from KV where it went once.
    for (const { body } of run.deliveries) {
      expect(JSON.parse(await deliverableBody(env.RELAY_STATE, (body as DeliveryMessage).event))).toEqual(event);
    }
  });

  it("sends a successful target nothing more when another keeps failing", async () => {
    await useTargets([UP, DOWN]);
    await consume(EVENTS, [fresh()]);
    // The retry message names only the failed target; the next event run is a duplicate.
    const repeat = await consume(EVENTS, [fresh()]);
    expect(repeat).toMatchObject({ acked: ["m0"], deliveries: [] });
    expect(outbound.requests.filter((r) => r.url === UP.url)).toHaveLength(1);
  });
});

describe("routing and dedup", () => {
  it("sends each event to every enabled target whose types and providers match", async () => {
    await useTargets([
      { id: "meetings", url: "https://up.example.com/m", types: ["meeting.*"] },
      { id: "joins", url: "https://up.example.com/j", types: ["participant.joined"] },
      { id: "tencent", url: "https://up.example.com/t", providers: ["tencent-meeting"] },
      { id: "huawei", url: "https://up.example.com/h", providers: ["huawei-meeting"] },
      { id: "off", url: "https://up.example.com/off", enabled: false },
    ]);
    const run = await consume(EVENTS, [
      fresh(sampleEvent("e1")),
      fresh(sampleEvent("e2", { type: "participant.joined" })),
    ]);
    expect(run).toMatchObject({ acked: ["m0", "m1"], retried: [], deliveries: [] });
    expect(outbound.requests.map((r) => `${r.headers.get("webhook-id")}→${r.url}`).sort()).toEqual([
      "e1→https://up.example.com/m",
      "e1→https://up.example.com/t",
      "e2→https://up.example.com/j",
      "e2→https://up.example.com/t",
    ]);
  });

  it("drops a repeat inside one batch and a repeat already remembered in KV", async () => {
    await useTargets([UP]);
    const first = await consume(EVENTS, [fresh(sampleEvent("e1")), fresh(sampleEvent("e1"))]);
    expect(first.acked).toEqual(["m0", "m1"]);
    expect(outbound.requests).toHaveLength(1);
    expect(await env.RELAY_STATE.get("dedup:e1")).toBe("1");

    const again = await consume(EVENTS, [fresh(sampleEvent("e1"))]);
    expect(again).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    expect(outbound.requests).toHaveLength(1);
  });
});

describe("unrouted events", () => {
  it.each([
    ["no targets are configured", []],
    ["every target is disabled", [{ ...UP, enabled: false }]],
    [
      'no enabled target matches type "meeting.started" from provider "tencent-meeting"',
      [
        { ...UP, types: ["participant.*"] },
        { ...DOWN, providers: ["yunhuni"] },
      ],
    ],
  ] as [string, Target[]][])("logs one unrouted line when %s", async (reason, targets) => {
    await useTargets(targets);
    const { result: run, lines } = await loggedLines(() => consume(EVENTS, [fresh()]));
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    expect(outbound.requests).toEqual([]);
    expect(lines.filter((line) => line.kind === "unrouted")).toEqual([
      {
        kind: "unrouted",
        id: "tencent-meeting:seq-1:0",
        type: "meeting.started",
        provider: "tencent-meeting",
        outcome: "unrouted",
        reason,
      },
    ]);
  });
});

describe("configuration problems", () => {
  it("keeps events waiting 30 s when RETRY_SCHEDULE is not a list of seconds", async () => {
    await useTargets([UP]);
    const { result: run, lines } = await loggedLines(() =>
      consume(EVENTS, [fresh()], { env: { RETRY_SCHEDULE: "10,soon" } }),
    );
    expect(run).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 30 }] });
    expect(outbound.requests).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ kind: "config-invalid", waiting: 1 }));
  });

  it.each([
    ["invalid", '[{"id":"Bad Id","url":"ftp://x"}]'],
    ["not JSON", "[{"],
  ])("keeps every event waiting 30 s while the targets document is %s, remembering nothing", async (_, document) => {
    await useTargets(document);
    const run = await consume(EVENTS, [fresh(sampleEvent("e1")), fresh(sampleEvent("e2"))]);
    expect(run).toMatchObject({
      acked: [],
      retried: [
        { msgId: "m0", delaySeconds: 30 },
        { msgId: "m1", delaySeconds: 30 },
      ],
      deliveries: [],
      events: [],
    });
    expect(outbound.requests).toEqual([]);
    expect(await env.RELAY_STATE.get("dedup:e1")).toBeNull();
  });

  it("keeps events waiting 30 s when the targets cannot be read", async () => {
    vi.spyOn(env.RELAY_CONFIG, "get").mockRejectedValue(new Error("KV unavailable"));
    const run = await consume(EVENTS, [fresh(sampleEvent("tencent-meeting:kv-down:0"))]);
    expect(run).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 30 }] });
  });

  it("acknowledges a message that is not the relay's, logging it", async () => {
    const { result: run, lines } = await loggedLines(() =>
      consume(EVENTS, [{ hello: "world" } as unknown as EventMessage]),
    );
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(lines).toContainEqual(expect.objectContaining({ kind: "queue", outcome: "discarded", messageId: "m0" }));
  });
});
