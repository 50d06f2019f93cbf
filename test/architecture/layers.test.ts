/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";

/**
 * Imports go one way: down the layers below, never up or sideways between siblings.
 * docs/architecture.md draws the same graph; change both together.
 *
 *   app (app, index, healthz, console)
 *    └ admin
 *       └ ingest · delivery          (siblings: neither imports the other)
 *          └ config · queue · event-log   (siblings)
 *             └ providers
 *                └ core (src/core/: errors, log, env, settings, version, cloud-event)
 *                   └ lib
 */
const LAYERS = [
  "lib",
  "core",
  "providers",
  "config",
  "queue",
  "event-log",
  "ingest",
  "delivery",
  "admin",
  "app",
] as const;
type Layer = (typeof LAYERS)[number];

/** What each layer may import, besides itself. */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  lib: [],
  core: ["lib"],
  providers: ["lib", "core"],
  config: ["lib", "core", "providers"],
  queue: ["lib", "core", "providers"],
  "event-log": ["lib", "core", "providers"],
  ingest: ["lib", "core", "providers", "config", "queue", "event-log"],
  delivery: ["lib", "core", "providers", "config", "queue", "event-log"],
  admin: ["lib", "core", "providers", "config", "queue", "event-log", "ingest", "delivery"],
  app: ["lib", "core", "providers", "config", "queue", "event-log", "ingest", "delivery", "admin"],
};

/**
 * The exceptions, type-only: `Env` declares the queue bindings, so it names the type of the
 * messages they carry, and the Durable Object binding, so it names the class behind it (the chat
 * rate limiter, in the delivery layer). A type import leaves no code behind.
 */
const TYPE_ONLY_EXCEPTIONS = [
  { from: "core/env.ts", to: "queue/messages.ts" },
  { from: "core/env.ts", to: "delivery/chat/rate-limiter.ts" },
];

const APP = new Set(["app.ts", "index.ts", "healthz.ts", "console.ts"]);

/** The layer of a file, by its path under src/; undefined for a file nobody placed yet. */
function layerOf(file: string): Layer | undefined {
  if (APP.has(file)) return "app";
  const folder = file.split("/")[0] as Layer;
  return file.includes("/") && LAYERS.includes(folder) && folder !== "app" ? folder : undefined;
}

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

const SOURCES: Record<string, string> = Object.fromEntries(
  Object.entries(import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true })).map(
    ([path, text]) => [path.replace("../../src/", ""), text],
  ),
);

/** The file an import specifier names: `./x`, `./x.ts` or a folder's `index.ts`; undefined outside src/. */
function resolveImport(from: string, specifier: string): string | undefined {
  const parts = from.split("/").slice(0, -1);
  for (const segment of specifier.split("/")) {
    if (segment === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else if (segment !== ".") parts.push(segment);
  }
  const base = parts.join("/").replace(/\.ts$/, "");
  for (const candidate of [`${base}.ts`, `${base}/index.ts`]) {
    if (Object.hasOwn(SOURCES, candidate)) return candidate;
  }
  return `${base} (not found)`;
}

/** Every relative import and re-export of a file (`import`, `import type`, `export … from`, `import()`). */
function importsOf(file: string, text: string): Import[] {
  const found: Import[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"/gms;
  for (const match of text.matchAll(statement)) {
    const to = resolveImport(file, match[3] as string);
    if (to !== undefined) found.push({ from: file, to, typeOnly: match[2] !== undefined });
  }
  for (const match of text.matchAll(/import\(\s*"(\.[^"]+)"\s*\)|^\s*import\s+"(\.[^"]+)"/gm)) {
    const to = resolveImport(file, (match[1] ?? match[2]) as string);
    if (to !== undefined) found.push({ from: file, to, typeOnly: false });
  }
  return found;
}

/** The imports that break the graph, as readable lines. */
function violations(imports: readonly Import[]): string[] {
  return imports.flatMap(({ from, to, typeOnly }) => {
    const fromLayer = layerOf(from);
    const toLayer = layerOf(to);
    if (fromLayer === undefined || toLayer === undefined) return [`${from} → ${to}: a file outside every layer`];
    if (fromLayer === toLayer || ALLOWED[fromLayer].includes(toLayer)) return [];
    if (typeOnly && TYPE_ONLY_EXCEPTIONS.some((e) => e.from === from && e.to === to)) return [];
    return [`${from} (${fromLayer}) imports ${to} (${toLayer})${typeOnly ? " (type only)" : ""}`];
  });
}

const ALL_IMPORTS = Object.entries(SOURCES).flatMap(([file, text]) => importsOf(file, text));

describe("layers", () => {
  it("every source file belongs to a layer", () => {
    const unplaced = Object.keys(SOURCES).filter((file) => layerOf(file) === undefined);
    expect(Object.keys(SOURCES).length).toBeGreaterThan(50);
    expect(unplaced).toEqual([]);
  });

  it("no module imports from a layer above it or from a sibling", () => {
    expect(ALL_IMPORTS.length).toBeGreaterThan(150);
    expect(violations(ALL_IMPORTS)).toEqual([]);
  });

  it("the check catches an upward import, a sibling import and an untyped use of the exception", () => {
    const text = [
      'import { fanOut } from "../delivery/fan-out";',
      'import type { Env } from "../core/env";',
      "import {",
      "  spillOversized,",
      '} from "../queue/spill";',
    ].join("\n");
    expect(violations(importsOf("config/targets.ts", text))).toEqual([
      "config/targets.ts (config) imports delivery/fan-out.ts (delivery)",
      "config/targets.ts (config) imports queue/spill.ts (queue)",
    ]);
    expect(violations(importsOf("ingest/routes.ts", 'export { fanOut } from "../delivery/fan-out.ts";'))).toEqual([
      "ingest/routes.ts (ingest) imports delivery/fan-out.ts (delivery)",
    ]);
    expect(violations(importsOf("core/env.ts", 'import { type QueueMessage } from "../queue/messages";'))).toEqual([
      "core/env.ts (core) imports queue/messages.ts (queue)",
    ]);
  });
});
