import { afterEach, beforeEach, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import { mockFetch } from "./fetch";
import { useTargets } from "./targets";

/** A target that takes every delivery (204), and one that never does (503). */
export const UP: Target = { id: "up", url: "https://up.example.com/in" };
export const DOWN: Target = { id: "down", url: "https://down.example.com/in" };

/**
 * Before each test: `reset`, retries without jitter, the targets document `[UP, DOWN]` and a fetch double
 * answering them; after it, all undone. `outbound()` is the current test's fetch double.
 */
export function upAndDown(reset: () => Promise<void>): { outbound: () => ReturnType<typeof mockFetch> } {
  let outbound: ReturnType<typeof mockFetch> | undefined;
  beforeEach(async () => {
    await reset();
    vi.spyOn(Math, "random").mockReturnValue(0);
    outbound = mockFetch((request) => new Response(null, { status: request.url.startsWith(DOWN.url) ? 503 : 204 }));
    await useTargets([UP, DOWN]);
  });
  afterEach(() => {
    outbound?.restore();
    vi.restoreAllMocks();
  });
  return {
    outbound: () => {
      if (outbound === undefined) throw new Error("upAndDown: no test is running");
      return outbound;
    },
  };
}
