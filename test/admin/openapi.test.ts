/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import adminApiDoc from "../../docs/admin-api.md?raw";
import committed from "../../public/admin/openapi.json";
import { openApiDocument } from "../../src/admin/openapi-document";
import { app } from "../../src/app";
import { ERROR_CODES } from "../../src/core/errors";
import wranglerToml from "../../wrangler.toml?raw";
import { TEST_BINDINGS } from "../support/bindings";
import { callWorker } from "../support/worker";

type Paths = Record<
  string,
  Record<string, { responses: Record<string, unknown>; parameters?: { name: string; in: string }[] }>
>;

const sorted = (list: string[]) => [...new Set(list)].sort();

/** `METHOD /path/{param}` of every operation in the document. */
function documentRoutes(): string[] {
  const paths = openApiDocument().paths as Paths;
  return sorted(
    Object.entries(paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)),
  );
}

/** `METHOD /path/{param}` of every row of docs/admin-api.md's route table (`<id>` written as `{id}`). */
function documentedRoutes(): string[] {
  const rows = [...adminApiDoc.matchAll(/^\| `(GET|PUT|POST|DELETE)` \| `(\/admin\/[^`]*)` \|/gm)];
  return sorted(rows.map((m) => `${m[1]} ${(m[2] ?? "").replace(/<([a-z]+)>/g, "{$1}")}`));
}

/** The admin routes the Worker really has, from Hono's router (`:id` written as `{id}`). */
function workerRoutes(): string[] {
  return sorted(
    app.routes
      .filter((route) => route.path.startsWith("/admin/") && route.method !== "ALL" && !route.path.includes("*"))
      .map((route) => `${route.method} ${route.path.replace(/\/$/, "").replace(/:([a-z]+)/g, "{$1}")}`),
  );
}

describe("public/admin/openapi.json", () => {
  it("is exactly what `npm run schema` generates (run it after changing a route or a request schema)", () => {
    expect(committed).toEqual(openApiDocument());
  });

  it("lists the routes of docs/admin-api.md's table, and those the Worker has (besides itself, an asset)", () => {
    expect(documentRoutes()).toEqual(documentedRoutes());
    expect(documentRoutes().filter((route) => route !== "GET /admin/openapi.json")).toEqual(workerRoutes());
  });

  it("names every error code, as docs/admin-api.md does, and answers each error with the one error body", () => {
    const document = openApiDocument() as { components: { schemas: { Error: { properties: { code: unknown } } } } };
    expect(document.components.schemas.Error.properties.code).toEqual({ type: "string", enum: [...ERROR_CODES] });
    const paths = openApiDocument().paths as Paths;
    for (const item of Object.values(paths)) {
      for (const { responses } of Object.values(item)) {
        for (const [status, response] of Object.entries(responses)) {
          if (Number(status) >= 400) expect(JSON.stringify(response)).toContain("#/components/schemas/Error");
        }
      }
    }
  });

  it("lists exactly the query parameters each route knows (the route's own answer to an unknown one names them)", async () => {
    const paths = openApiDocument().paths as Paths;
    let checked = 0;
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const documented = (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
        if (documented.length === 0) continue;
        const url = `https://relay.example.com${path.replace(/\{[a-z]+\}/g, "x")}?not_a_parameter=1`;
        const { response, calls } = await callWorker(
          new Request(url, {
            method: method.toUpperCase(),
            headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
          }),
        );
        expect(calls).toEqual([]);
        const { code, error } = (await response.json()) as { code: string; error: string };
        expect([path, response.status, code]).toEqual([path, 400, "invalid_query"]);
        expect([path, sorted(error.split("; known: ")[1]?.split(", ") ?? [])]).toEqual([path, sorted(documented)]);
        checked++;
      }
    }
    expect(checked).toBe(5);
  });

  it("is served as a static asset, without the Worker or a token: only /console runs the Worker first", () => {
    const assets = wranglerToml.split(/^\[assets\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
    expect(assets).toMatch(/^directory = "\.\/public"$/m);
    expect(assets).toMatch(/^run_worker_first = \["\/console", "\/console\/\*"\]$/m);
  });
});
