import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { webhookRoute } from "../../src/ingest/routes";
import { callWorker } from "../support/worker";
import { YUNHUNI_TOKEN, yunhuniNotification } from "../support/yunhuni";

describe("webhookRoute: a callback's route read from its URL without the router", () => {
  it.each([
    ["https://r.example/webhooks/yunhuni", { provider: "yunhuni", account: undefined, path: "/webhooks/yunhuni" }],
    ["https://r.example/webhooks/yunhuni/", { provider: "yunhuni", account: undefined, path: "/webhooks/yunhuni/" }],
    [
      "https://r.example/webhooks/yunhuni/acme",
      { provider: "yunhuni", account: "acme", path: "/webhooks/yunhuni/acme" },
    ],
    [
      "https://r.example/webhooks/yunhuni/acme/",
      { provider: "yunhuni", account: "acme", path: "/webhooks/yunhuni/acme/" },
    ],
    // Whatever the route checks later (a made-up platform, an account in capitals) is read as sent.
    ["https://r.example/webhooks/nope/ACME", { provider: "nope", account: "ACME", path: "/webhooks/nope/ACME" }],
    // Each segment is percent-decoded; a malformed escape is kept as sent (and then names nothing).
    [
      "https://r.example/webhooks/yunh%75ni/ac%6De",
      { provider: "yunhuni", account: "acme", path: "/webhooks/yunh%75ni/ac%6De" },
    ],
    [
      "https://r.example/webhooks/yunhuni/a%2Fb",
      { provider: "yunhuni", account: "a/b", path: "/webhooks/yunhuni/a%2Fb" },
    ],
    ["https://r.example/webhooks/%E0%A4", { provider: "%E0%A4", account: undefined, path: "/webhooks/%E0%A4" }],
  ])("%s", (url, route) => {
    expect(webhookRoute(url)).toEqual({ ...route, rawQuery: "" });
  });

  it("keeps the query exactly as sent, without its `?` and without a fragment", () => {
    expect(webhookRoute("https://r.example/webhooks/tencent-meeting?check_str=a%2Bb%3D&x=/webhooks/y#frag")).toEqual({
      provider: "tencent-meeting",
      account: undefined,
      path: "/webhooks/tencent-meeting",
      rawQuery: "check_str=a%2Bb%3D&x=/webhooks/y",
    });
    expect(webhookRoute("https://r.example/webhooks/yunhuni?")?.rawQuery).toBe("");
    expect(webhookRoute("https://r.example/webhooks/yunhuni#a?b")?.rawQuery).toBe("");
  });

  it.each([
    "https://r.example/",
    "https://r.example/webhooks",
    "https://r.example/webhooks/",
    "https://r.example/webhooks//",
    "https://r.example/webhooks//acme",
    "https://r.example/webhooks/yunhuni//",
    "https://r.example/webhooks/yunhuni/acme/extra",
    "https://r.example/webhooksx/yunhuni",
    "https://r.example/admin/webhooks/yunhuni",
    "https://webhooks.example/yunhuni?x=/webhooks/yunhuni",
  ])("reads no route from %s", (url) => {
    expect(webhookRoute(url)).toBeUndefined();
  });

  it("agrees with the URL parser on the path and the query of every URL it reads", () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9_.~!$&'()*+,;=:@%-]{0,12}$/);
    const query = fc.stringMatching(/^[a-zA-Z0-9_.~!$&'()*+,;=:@%/?-]{0,20}$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), fc.option(query), fc.boolean(), (segments, search, slash) => {
        const raw = `https://r.example/webhooks/${segments.join("/")}${slash ? "/" : ""}${search === null ? "" : `?${search}`}`;
        const url = new URL(raw).href; // as the runtime hands a request's URL over: parsed and serialized
        const route = webhookRoute(url);
        if (route === undefined) return;
        const parsed = new URL(url);
        expect(route.path).toBe(parsed.pathname);
        expect(route.rawQuery).toBe(parsed.search.slice(1));
        const rest = parsed.pathname.slice("/webhooks/".length).replace(/\/$/, "");
        const decode = (part: string) => {
          try {
            return decodeURIComponent(part);
          } catch {
            return part;
          }
        };
        expect([route.provider, route.account].filter((part) => part !== undefined)).toEqual(
          rest.split("/").map(decode),
        );
      }),
    );
  });
});

describe("ingest: a callback with percent-escapes in its path is answered as the plain path is", () => {
  const notification = yunhuniNotification("conf.joined");
  const token = `token=${encodeURIComponent(YUNHUNI_TOKEN)}`;
  const send = (path: string) =>
    callWorker(
      new Request(`http://relay.test${path}?${token}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(notification),
      }),
    );

  it.each(["/webhooks/yunhuni", "/webhooks/yunh%75ni", "/webhooks/yunhuni/"])("%s: 200 and queued", async (path) => {
    const { response, enqueued } = await send(path);
    expect({ status: response.status, body: await response.text() }).toEqual({ status: 200, body: '{"ok":true}' });
    expect(enqueued.map((event) => event.data.raw)).toEqual([notification]);
  });

  it.each([
    "/webhooks/nope",
    "/webhooks/n%6Fpe",
    "/webhooks/yunhuni/Acme",
    "/webhooks/yunhuni/%41cme",
    "/webhooks/yunhuni/acme/extra",
    "/webhooks//yunhuni",
    "/webhooks/%E0%A4",
    "/webhooks/yunhuni/%E0",
  ])("%s: 404 not_found, nothing queued", async (path) => {
    const { response, enqueued } = await send(path);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe("not_found");
    expect(enqueued).toEqual([]);
  });
});
