/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";

/**
 * Every export of src/ is imported by another file: the Worker's own modules, a test, a script, the
 * benchmark or the harness. An export nothing imports is a name a reader looks for users of and finds
 * none; drop the `export` (or the code, when nothing uses it at all).
 */

/** Exports used by something that is not an import: the runtime, or a script that bundles the file first. */
const USED_WITHOUT_IMPORT: Record<string, string> = {
  "src/index.ts default": "the Worker's entry (wrangler.toml `main`)",
  "src/index.ts ChatRateLimiter": "the Durable Object class wrangler.toml binds; the entry must export it",
  "src/admin/openapi-document.ts OPENAPI_PATH": "scripts/generate-openapi.ts reads it from the bundle it builds",
};

/** Vite names each file relative to this one; key them from the repository's root instead. */
const raw = (files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([path, text]) => [resolvePath("test/architecture/x", path), text]));

/** The path a relative specifier names from `from` (a repository path). */
function resolvePath(from: string, specifier: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const segment of specifier.split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== ".") parts.push(segment);
  }
  return parts.join("/");
}

const FILES: Record<string, string> = raw({
  ...import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }),
  ...import.meta.glob<string>(["../../{test,scripts,bench,tools}/**/*.ts", "!**/*.d.ts", "!**/node_modules/**"], {
    query: "?raw",
    import: "default",
    eager: true,
  }),
});

/** The file a relative specifier names (`./x`, `./x.ts`, a folder's `index.ts`); undefined for a package. */
function resolve(files: Record<string, string>, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolvePath(from, specifier).replace(/\.ts$/, "");
  return [`${base}.ts`, `${base}/index.ts`].find((candidate) => Object.hasOwn(files, candidate));
}

/** `a, type b as c` → [["a", "a"], ["b", "c"]]: each name as its module spells it, and as it is bound. */
function specifiers(list: string): [string, string][] {
  return list
    .split(",")
    .map((item) => item.trim().replace(/^type\s+/, ""))
    .filter((item) => item !== "")
    .map((item) => {
      const [name = "", , alias] = item.split(/\s+/);
      return [name, alias ?? name];
    });
}

const DECLARATION =
  /^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|const|let|var|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
const EXPORT_LIST = /^export\s+(?:type\s+)?\{([^}]*)\}\s*(?:from\s+"([^"]+)")?/gm;
const IMPORT = /^\s*import\s+(?:type\s+)?([^;]*?)\s+from\s+"([^"]+)"/gms;
/** Imports that may take any export: `import("…")`, `vi.mock("…")`, `export * from "…"`. */
const WHOLE_MODULE = /(?:\bimport|vi\.mock|vi\.importActual)\(\s*"([^"]+)"|^export\s+\*\s+from\s+"([^"]+)"/gm;

/** `src/x.ts name` for every export of src/ that no other file imports. */
function unusedExports(files: Record<string, string>): string[] {
  const exported = new Map<string, Set<string>>();
  /** `file name` → the `file name` it re-exports. */
  const reexports = new Map<string, string>();
  const used = new Set<string>();
  const wholeModules = new Set<string>();
  for (const [file, text] of Object.entries(files)) {
    const names = new Set<string>();
    for (const match of text.matchAll(DECLARATION)) names.add(match[1] as string);
    if (/^export\s+default\b/m.test(text)) names.add("default");
    for (const match of text.matchAll(EXPORT_LIST)) {
      const target = match[2] === undefined ? undefined : resolve(files, file, match[2]);
      for (const [name, alias] of specifiers(match[1] as string)) {
        names.add(alias);
        if (target !== undefined) reexports.set(`${file} ${alias}`, `${target} ${name}`);
      }
    }
    exported.set(file, names);
    for (const match of text.matchAll(IMPORT)) {
      const target = resolve(files, file, match[2] as string);
      if (target === undefined || target === file) continue;
      const clause = match[1] as string;
      if (/^[A-Za-z_$][\w$]*\s*(,|$)/.test(clause)) used.add(`${target} default`);
      const namespace = /\*\s+as\s+([A-Za-z_$][\w$]*)/.exec(clause)?.[1];
      if (namespace !== undefined) {
        for (const member of text.matchAll(new RegExp(`\\b${namespace}\\.([A-Za-z_$][\\w$]*)`, "g"))) {
          used.add(`${target} ${member[1]}`);
        }
      }
      const braces = /\{([^}]*)\}/.exec(clause)?.[1];
      for (const [name] of specifiers(braces ?? "")) used.add(`${target} ${name}`);
    }
    for (const match of text.matchAll(WHOLE_MODULE)) {
      const target = resolve(files, file, (match[1] ?? match[2]) as string);
      if (target !== undefined && target !== file) wholeModules.add(target);
    }
  }
  // A used re-export uses what it re-exports, through any number of files.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [reexport, original] of reexports) {
      if (used.has(reexport) && !used.has(original)) {
        used.add(original);
        grew = true;
      }
    }
  }
  return [...exported]
    .filter(([file]) => file.startsWith("src/") && !wholeModules.has(file))
    .flatMap(([file, names]) => [...names].map((name) => `${file} ${name}`))
    .filter((key) => !used.has(key) && !Object.hasOwn(USED_WITHOUT_IMPORT, key))
    .sort();
}

describe("exports", () => {
  it("every export of src/ is imported somewhere else", () => {
    expect(Object.keys(FILES).filter((file) => file.startsWith("src/")).length).toBeGreaterThan(50);
    expect(Object.keys(FILES).filter((file) => file.startsWith("test/")).length).toBeGreaterThan(50);
    expect(unusedExports(FILES)).toEqual([]);
  });

  it("the check catches an export used only in its own file, and follows imports, re-exports and namespaces", () => {
    const files = {
      "src/a.ts": [
        "export const USED = 1;",
        "export const UNUSED = 2;",
        "export async function alsoUnused() { return UNUSED; }",
        "export interface ViaReexport {}",
        "export type ViaNamespace = string;",
      ].join("\n"),
      "src/b.ts": 'export { type ViaReexport as Renamed } from "./a";\nexport const FROM_TEST = 3;',
      "src/c.ts": [
        "import {",
        "  USED,",
        '} from "./a.ts";',
        'import type { Renamed } from "./b";',
        'import * as a from "./a";',
        "let x: a.ViaNamespace;",
      ].join("\n"),
      "test/c.test.ts": 'import { FROM_TEST } from "../src/b";',
    };
    expect(unusedExports(files)).toEqual(["src/a.ts UNUSED", "src/a.ts alsoUnused"]);
  });
});
