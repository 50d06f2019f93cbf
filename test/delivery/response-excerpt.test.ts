import { describe, expect, it } from "vitest";
import { RESPONSE_EXCERPT_BYTES, responseExcerpt } from "../../src/delivery/send";

/** A body that records how much of it was pulled, and whether it was cancelled. */
function endlessBody() {
  const state = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += 1;
      controller.enqueue(new TextEncoder().encode("y".repeat(300)));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { body, state };
}

describe("responseExcerpt: the first 1 KiB of a failed answer", () => {
  it("reads 1 KiB of an endless body, no more, and cancels the rest", async () => {
    const { body, state } = endlessBody();
    const text = await responseExcerpt(body, RESPONSE_EXCERPT_BYTES);
    expect(text).toBe("y".repeat(1024));
    expect(state.pulled).toBeLessThanOrEqual(5);
    expect(state.cancelled).toBe(true);
  });

  it("answers a short body whole, and nothing for an empty or absent one", async () => {
    expect(await responseExcerpt(new Response("maintenance").body, 1024)).toBe("maintenance");
    expect(await responseExcerpt(new Response("").body, 1024)).toBeUndefined();
    expect(await responseExcerpt(null, 1024)).toBeUndefined();
  });
});
