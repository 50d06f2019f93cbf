import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

/** README, docs/ and every folder README: the pages a reader follows links through. */
function pages(): string[] {
  const found = ["README.md"];
  const walk = (folder: string) => {
    for (const name of readdirSync(join(PROJECT_ROOT, folder))) {
      const path = join(folder, name);
      if (["node_modules", ".git", ".wrangler"].includes(name)) continue;
      if (statSync(join(PROJECT_ROOT, path)).isDirectory()) walk(path);
      else if (name.endsWith(".md") && path !== "README.md") found.push(path);
    }
  };
  for (const folder of ["docs", "src", "bench", "tools", "test", "scripts"]) {
    if (existsSync(join(PROJECT_ROOT, folder))) walk(folder);
  }
  return found;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*]/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1] ?? "");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Every relative link of a page (outside code), with where it points. */
function linksOf(page: string): { link: string; file: string; anchor: string | undefined }[] {
  let text = readFileSync(join(PROJECT_ROOT, page), "utf8");
  text = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const links: { link: string; file: string; anchor: string | undefined }[] = [];
  for (const match of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const link = match[1] as string;
    if (/^[a-z]+:/i.test(link)) continue; // https:, mailto:
    const [path = "", anchor] = link.split("#");
    const file = path === "" ? join(PROJECT_ROOT, page) : resolve(dirname(join(PROJECT_ROOT, page)), path);
    links.push({ link, file, anchor });
  }
  return links;
}

describe("documentation links", () => {
  it.each(pages())("every relative link of %s resolves, anchors included", (page) => {
    const broken = linksOf(page).flatMap(({ link, file, anchor }) => {
      if (!existsSync(file)) return [`${link}: ${relative(PROJECT_ROOT, file)} does not exist`];
      if (anchor !== undefined && file.endsWith(".md") && !anchorsOf(file).has(anchor)) {
        return [`${link}: no heading #${anchor} in ${relative(PROJECT_ROOT, file)}`];
      }
      return [];
    });
    expect(broken).toEqual([]);
  });
});
