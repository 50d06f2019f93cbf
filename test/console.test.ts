import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const page = (path: string) => exports.default.fetch(`http://relay.test${path}`);

function policy(response: Response): Map<string, string> {
  const header = response.headers.get("content-security-policy") ?? "";
  return new Map(
    header
      .split(";")
      .map((directive) => directive.trim())
      .filter(Boolean)
      .map((directive) => {
        const [name = "", ...values] = directive.split(/\s+/);
        return [name, values.join(" ")];
      }),
  );
}

describe("GET /console", () => {
  it("serves the page from static assets with a strict Content-Security-Policy, without the admin token", async () => {
    const response = await page("/console");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = policy(response);
    expect(csp.get("default-src")).toBe("'none'");
    expect(csp.get("script-src")).toBe("'self'");
    expect(csp.get("style-src")).toBe("'self'");
    expect(csp.get("connect-src")).toBe("'self'");
    expect(csp.get("frame-ancestors")).toBe("'none'");
    expect(response.headers.get("content-security-policy")).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/console/app.js"></script>');
  });

  it("has no inline script, no inline style and no event-handler attribute (the policy would block them)", async () => {
    const html = await (await page("/console")).text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it("serves the same page at /console/", async () => {
    const response = await page("/console/");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<title>meeting-relay console</title>");
  });

  it("serves the console's modules and stylesheet with the same policy", async () => {
    for (const [path, type] of [
      ["/console/app.js", /javascript/],
      ["/console/console.css", /^text\/css/],
    ] as const) {
      const response = await page(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toMatch(type);
      expect(policy(response).get("script-src"), path).toBe("'self'");
      await response.body?.cancel();
    }
  });

  it("puts the same security headers, exactly these values, on its files and on its 404s", async () => {
    const expected = {
      "content-security-policy":
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-resource-policy": "same-origin",
      "origin-agent-cluster": "?1",
      "referrer-policy": "no-referrer",
      "strict-transport-security": "max-age=15552000; includeSubDomains",
      "x-content-type-options": "nosniff",
      "x-dns-prefetch-control": "off",
      "x-download-options": "noopen",
      "x-frame-options": "DENY",
      "x-permitted-cross-domain-policies": "none",
      "x-xss-protection": "0",
    };
    for (const path of ["/console", "/console/app.js", "/console/missing.js"]) {
      const response = await page(path);
      const headers = Object.fromEntries(Object.keys(expected).map((name) => [name, response.headers.get(name)]));
      expect(headers, path).toEqual(expected);
      await response.body?.cancel();
    }
  });

  it("answers 404 with a JSON error for a file that is not there", async () => {
    const response = await page("/console/missing.js");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "not found", code: "not_found" });
  });

  it("answers 404 for a POST (the console is read-only files)", async () => {
    const response = await exports.default.fetch("http://relay.test/console", { method: "POST" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: "not found: the relay answers /webhooks/<platform>[/<account>], /admin/…, /console and /healthz",
      code: "not_found",
    });
  });
});
