import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { callWorker } from "../support/worker";

/**
 * An admin path the relay has, asked with a method it does not take, is told so (405 and the methods
 * it takes, in `allow`), not that the path does not exist; a path it does not have stays a 404. The
 * token is checked first either way: without it, nothing is said about which paths or methods exist.
 */
const RELAY = "https://relay.example.com";
const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };

const call = (method: string, path: string, headers: Record<string, string> = AUTH) =>
  callWorker(new Request(`${RELAY}${path}`, { method, headers })).then(({ response }) => response);

describe("a wrong method on an admin path", () => {
  it.each([
    ["DELETE", "/admin/targets", "GET, HEAD, PUT"],
    ["POST", "/admin/targets", "GET, HEAD, PUT"],
    ["OPTIONS", "/admin/targets", "GET, HEAD, PUT"],
    ["GET", "/admin/targets/crm/pause", "POST"],
    ["PUT", "/admin/dead-letters/crm.x", "DELETE"],
    ["POST", "/admin/stats", "GET, HEAD"],
    ["DELETE", "/admin/events/x/", "GET, HEAD"],
  ])("%s %s: 405 method_not_allowed, allow %s", async (method, path, allow) => {
    const response = await call(method, path);
    expect(response.status).toBe(405);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("allow")).toBe(allow);
    expect(await response.json()).toEqual({ error: expect.any(String), code: "method_not_allowed" });
  });

  it("is 404 for a path the admin API does not have", async () => {
    const response = await call("GET", "/admin/targets/crm");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(expect.objectContaining({ code: "not_found" }));
  });

  it("is 401 without the token, whatever the method", async () => {
    const response = await call("DELETE", "/admin/targets", {});
    expect(response.status).toBe(401);
    expect(response.headers.get("allow")).toBeNull();
  });
});
