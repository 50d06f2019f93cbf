/**
 * Load without loss: distinct signed callbacks from all four platforms sent
 * concurrently, a share of them repeated as platform retries, and a target that
 * fails 30 % of first attempts. Every distinct event must arrive exactly once at
 * every matching target: none lost, none extra. `LOAD_EVENTS=20000 npm test` runs larger.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  always,
  type Relay,
  type Sink,
  type SinkRequest,
  settled,
  startRelay,
  startSink,
} from "../../tools/harness/index.ts";
import {
  credentialVars,
  DEMO_CREDENTIALS,
  distinctCallback,
  PROVIDER_NAMES,
  type SignedCallback,
  sendCallback,
} from "../../tools/harness/samples.ts";

const EVENTS = Number(process.env.LOAD_EVENTS ?? 1_000);
const REPEATED_SHARE = 0.2;
const FAILING_SHARE = 0.3;
const CONCURRENCY = 32;

let relay: Relay;
let sink: Sink;

/** Deterministic: the same webhook-id always falls on the same side. */
function failsFirstAttempt(webhookId: string | undefined): boolean {
  const byte = createHash("sha256")
    .update(webhookId ?? "")
    .digest()[0] as number;
  return byte < 256 * FAILING_SHARE;
}

beforeAll(async () => {
  sink = await startSink();
  sink.route("/flaky", (attempt, request) =>
    attempt === 1 && failsFirstAttempt(request.webhookId) ? { status: 500 } : { status: 204 },
  );
  sink.route("/steady", always({ status: 200 }));
  sink.route("/participants", always({ status: 202 }));
  relay = await startRelay({
    vars: { ALLOW_INSECURE_TARGETS: "true", RETRY_SCHEDULE: "1,1,2,2,5" },
    secrets: { ...credentialVars(DEMO_CREDENTIALS), ADMIN_TOKEN: "load-admin-token-00000000000000000" },
  });
  const put = await relay.admin("PUT", "/admin/targets", [
    { id: "flaky", url: `${sink.url}/flaky` },
    { id: "steady", url: `${sink.url}/steady` },
    { id: "participants", url: `${sink.url}/participants`, types: ["participant.*"] },
  ]);
  expect(put.status).toBe(200);
});

afterAll(async () => {
  await relay?.stop();
  await sink?.close();
});

async function sendAll(callbacks: SignedCallback[]): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < callbacks.length) {
      const callback = callbacks[next++] as SignedCallback;
      const answer = await sendCallback(relay.url, callback);
      if (
        answer.status !== callback.expect.status ||
        (callback.provider !== "huawei-meeting" && answer.body !== callback.expect.body)
      ) {
        problems.push(`${callback.label}: ${answer.status} ${answer.body}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return problems;
}

/** webhook-id → how many 2xx answers the path gave for it. */
function acceptedById(requests: SinkRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of requests) {
    if (typeof request.reply === "object" && request.reply.status < 300 && request.webhookId) {
      counts.set(request.webhookId, (counts.get(request.webhookId) ?? 0) + 1);
    }
  }
  return counts;
}

it(`delivers ${EVENTS} distinct events exactly once to every matching target despite repeats and failures`, async () => {
  const now = Date.now();
  const distinct = Array.from({ length: EVENTS }, (_, n) =>
    distinctCallback(
      DEMO_CREDENTIALS,
      PROVIDER_NAMES[n % PROVIDER_NAMES.length] as (typeof PROVIDER_NAMES)[number],
      n,
      now,
    ),
  );
  // Platform retries: the same callbacks again, mixed in among the originals.
  const repeats = distinct.filter((_, n) => n % Math.round(1 / REPEATED_SHARE) === 0);
  const shuffleKey = (callback: SignedCallback) => createHash("md5").update(callback.body).digest("hex");
  const traffic = [...distinct, ...repeats]
    .map((callback, index) => ({ callback, key: `${shuffleKey(callback)}${index}` }))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map(({ callback }) => callback);

  const started = Date.now();
  expect(await sendAll(traffic)).toEqual([]);
  const ingestMs = Date.now() - started;

  const participantEvents = distinct.filter((c) => c.provider !== "tencent-whiteboard").length;
  await sink.waitFor(
    "every distinct event at every matching target",
    (requests) =>
      acceptedById(requests.filter((r) => r.path === "/flaky")).size >= EVENTS &&
      acceptedById(requests.filter((r) => r.path === "/steady")).size >= EVENTS &&
      acceptedById(requests.filter((r) => r.path === "/participants")).size >= participantEvents,
    100_000,
  );
  // Anything extra (a duplicate, a stray retry) would have arrived once nothing is in flight.
  await settled(relay, sink, { timeoutMs: 60_000 });
  const deliveredMs = Date.now() - started;

  const flaky = acceptedById(sink.requests("/flaky"));
  const steady = acceptedById(sink.requests("/steady"));
  const participants = acceptedById(sink.requests("/participants"));
  const failedFirst = sink.requests("/flaky").filter((r) => typeof r.reply === "object" && r.reply.status === 500);
  const report = {
    sent: traffic.length,
    distinct: EVENTS,
    repeated: repeats.length,
    flakyFirstAttemptFailures: failedFirst.length,
    delivered: { flaky: flaky.size, steady: steady.size, participants: participants.size },
    duplicates: [...flaky.values(), ...steady.values(), ...participants.values()].filter((n) => n > 1).length,
    ingestMs,
    deliveredMs,
  };
  // The counts, stated on every run (passing tests keep their console quiet).
  process.stdout.write(`load: ${JSON.stringify(report)}\n`);

  expect(failedFirst.length).toBeGreaterThan(EVENTS * FAILING_SHARE * 0.8);
  expect(flaky.size).toBe(EVENTS);
  expect(steady.size).toBe(EVENTS);
  expect(participants.size).toBe(participantEvents);
  expect(report.duplicates).toBe(0);
  expect([...flaky.keys()].sort()).toEqual([...steady.keys()].sort());
  // Per provider, nothing lost and nothing extra.
  const providers = new Map<string, number>();
  for (const request of sink.requests("/steady")) {
    const provider = (JSON.parse(request.body) as { provider: string }).provider;
    providers.set(provider, (providers.get(provider) ?? 0) + 1);
  }
  expect(Object.fromEntries(providers)).toEqual(
    Object.fromEntries(PROVIDER_NAMES.map((p) => [p, distinct.filter((c) => c.provider === p).length])),
  );
});
