import { afterEach, describe, expect, it, vi } from "vitest";
import { huaweiMeeting } from "../../src/providers/huawei-meeting";
import { huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { loggedLines } from "../support/log";
import { callWorker } from "../support/worker";

const PATH = "/webhooks/huawei-meeting";
/** Every key an ingest line may carry; which ones are present depends on how far the request got. */
const SHAPE = [
  "kind",
  "path",
  "method",
  "provider",
  "account",
  "credential",
  "outcome",
  "status",
  "reason",
  "ids",
  "types",
  "durationMs",
];

/** Sends one request and returns the response status and every JSON line logged while it ran. */
async function linesOf(
  request: Request | Promise<Request>,
  ...rest: Parameters<typeof callWorker> extends [unknown, ...infer R] ? R : never
) {
  const call = await request;
  const { result, lines } = await loggedLines(() => callWorker(call, ...rest));
  return { status: result.response.status, lines, enqueued: result.enqueued };
}

afterEach(() => vi.restoreAllMocks());

describe("ingest: one log line of one shape per request", () => {
  it("a queued event: outcome queued with its ids and types", async () => {
    const { status, lines } = await linesOf(huaweiRequest(huaweiEventInfo("meeting.started")));
    expect(status).toBe(200);
    expect(lines).toEqual([
      {
        kind: "ingest",
        path: PATH,
        method: "POST",
        provider: "huawei-meeting",
        credential: "current",
        outcome: "queued",
        status: 200,
        ids: [expect.stringMatching(/^huawei-meeting:/)],
        types: ["meeting.started"],
        durationMs: expect.any(Number),
      },
    ]);
  });

  it.each([
    [
      "an unknown provider (routing)",
      new Request("http://relay.test/webhooks/zoom", { method: "POST" }),
      404,
      undefined,
    ],
    ["a wrong method (routing)", new Request(`http://relay.test${PATH}`), 405, "huawei-meeting"],
    [
      "a body over the limit (middleware)",
      new Request(`http://relay.test${PATH}`, { method: "POST", body: "x".repeat(256 * 1024 + 1) }),
      413,
      "huawei-meeting",
    ],
  ])("%s: outcome rejected, nothing enqueued", async (_, request, expected, provider) => {
    const { status, lines, enqueued } = await linesOf(request);
    expect(status).toBe(expected);
    expect(lines).toEqual([
      expect.objectContaining({ kind: "ingest", method: request.method, outcome: "rejected", status }),
    ]);
    expect(lines[0]?.provider).toBe(provider);
    expect(enqueued).toEqual([]);
  });

  it("an adapter's rejection: outcome rejected with the adapter's reason", async () => {
    const { status, lines, enqueued } = await linesOf(
      huaweiRequest(huaweiEventInfo("meeting.started"), { signature: "0".repeat(64) }),
    );
    expect(status).toBe(401);
    expect(lines).toEqual([
      expect.objectContaining({
        kind: "ingest",
        provider: "huawei-meeting",
        outcome: "rejected",
        status: 401,
        reason: "signature mismatch",
      }),
    ]);
    expect(enqueued).toEqual([]);
  });

  it("an account without credentials: outcome unconfigured naming the missing credentials", async () => {
    const { status, lines } = await linesOf(
      huaweiRequest(huaweiEventInfo("meeting.started"), { path: `${PATH}/nobody` }),
    );
    expect(status).toBe(401);
    expect(lines).toEqual([
      expect.objectContaining({
        kind: "ingest",
        account: "nobody",
        outcome: "unconfigured",
        status: 401,
        reason:
          "huawei-meeting account nobody is not configured: HUAWEI_MEETING_APP_ID_NOBODY, HUAWEI_MEETING_APP_KEY_NOBODY not set",
      }),
    ]);
  });

  it("a failed enqueue: outcome enqueue-failed with the queue's error and the ids", async () => {
    const { status, lines } = await linesOf(
      huaweiRequest(huaweiEventInfo("meeting.started")),
      {},
      {
        queueFailure: new Error("queue unavailable"),
      },
    );
    expect(status).toBe(503);
    expect(lines).toEqual([
      expect.objectContaining({
        outcome: "enqueue-failed",
        status: 503,
        reason: "queue unavailable",
        ids: [expect.any(String)],
      }),
    ]);
  });

  it("a var set wrong: outcome config-invalid, and no second line", async () => {
    const { status, lines, enqueued } = await linesOf(huaweiRequest(huaweiEventInfo("meeting.started")), {
      REPLAY_WINDOW_SECONDS: "an hour",
    });
    expect(status).toBe(503);
    expect(lines).toEqual([
      expect.objectContaining({
        kind: "ingest",
        outcome: "config-invalid",
        status: 503,
        reason: 'REPLAY_WINDOW_SECONDS must be a whole number of seconds, got "an hour"',
      }),
    ]);
    expect(enqueued).toEqual([]);
  });

  it("a crash in an adapter: outcome error, answered 500 without detail, and no second line", async () => {
    vi.spyOn(huaweiMeeting, "normalize").mockRejectedValue(new Error("boom"));
    const { status, lines, enqueued } = await linesOf(huaweiRequest(huaweiEventInfo("meeting.started")));
    expect(status).toBe(500);
    expect(lines).toEqual([
      expect.objectContaining({ kind: "ingest", outcome: "error", status: 500, reason: "unhandled: boom" }),
    ]);
    expect(enqueued).toEqual([]);
  });

  it("every line has only the keys of the one shape", async () => {
    const requests = [
      huaweiRequest(huaweiEventInfo("meeting.started")),
      new Request("http://relay.test/webhooks/zoom", { method: "POST" }),
      huaweiRequest(huaweiEventInfo("meeting.started"), { signature: "0".repeat(64) }),
    ];
    for (const request of requests) {
      const { lines } = await linesOf(request);
      expect(lines).toHaveLength(1);
      expect(Object.keys(lines[0] ?? {}).filter((key) => !SHAPE.includes(key))).toEqual([]);
    }
  });
});
