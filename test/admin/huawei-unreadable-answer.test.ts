import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { mockFetch } from "../support/fetch";
import { callWorker } from "../support/worker";

// Huawei's status line can arrive and its body then fail: the connection drops half way, or the
// 10 s limit runs out while the body is still coming. The status alone says what happened, so the
// operator gets Huawei's status and a clear message (502 when Huawei refused, 200 when it accepted),
// never a bare 500 "internal error".

const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };
const ACCESS_TOKEN = "stbX5ElstO5QwOwPB9KGQWUZ1DHoFrTsQjjC";

function linkConfig() {
  return new Request("https://relay.example.com/admin/huawei/link-config", {
    method: "POST",
    headers: { "content-type": "application/json", ...AUTH },
    body: JSON.stringify({ accessToken: ACCESS_TOKEN }),
  });
}

/** A body that fails before its first byte, as a dropped connection or an expired timeout makes it. */
function failingBody(error: Error): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.error(error);
    },
  });
}

const FAILURES: [string, () => Error][] = [
  ["the connection drops", () => new TypeError("Network connection lost.")],
  ["the time runs out", () => new DOMException("The operation was aborted due to timeout", "TimeoutError")],
];

beforeEach(() => {
  vi.spyOn(console, "log").mockImplementation(() => {});
});

afterEach(() => vi.restoreAllMocks());

describe("POST /admin/huawei/link-config: Huawei's answer cannot be read to the end", () => {
  it.each(FAILURES)("a refusal whose body fails (%s) is 502 with Huawei's status", async (_, error) => {
    mockFetch(() => new Response(failingBody(error()), { status: 401 }));
    const { response } = await callWorker(linkConfig(), { HUAWEI_MEETING_API_BASE: "https://huawei.test" });
    const text = await response.text();
    expect(response.status).toBe(502);
    const message =
      "Huawei did not accept the access token (401): get a fresh accessToken from Huawei's App ID authentication (tokens expire)";
    expect(JSON.parse(text)).toEqual({
      error: message,
      code: "huawei_upstream_error",
      huaweiStatus: 401,
      message,
      url: "https://relay.example.com/webhooks/huawei-meeting",
    });
    expect(text).not.toContain(ACCESS_TOKEN);
  });

  it.each(FAILURES)("an acceptance whose body fails (%s) is still reported as accepted", async (_, error) => {
    mockFetch(() => new Response(failingBody(error()), { status: 200 }));
    const { response } = await callWorker(linkConfig(), { HUAWEI_MEETING_API_BASE: "https://huawei.test" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      huaweiStatus: 200,
      message:
        "Huawei accepted the event push configuration: events for subscriber hw-subscriber-0001 will be pushed to https://relay.example.com/webhooks/huawei-meeting",
      url: "https://relay.example.com/webhooks/huawei-meeting",
    });
  });
});
