// `npm run schema` (with generate-schema.ts): writes public/admin/openapi.json, the admin API's OpenAPI
// document, from src/admin/openapi-document.ts. The routes' modules import without file extensions (and
// one imports `cloudflare:workers`), as the Worker's bundler allows, so they are bundled with esbuild
// (wrangler's own bundler) before Node runs them; nothing here reaches the Worker.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "openapi-"));
try {
  const bundle = join(scratch, "document.mjs");
  await build({
    entryPoints: [join(root, "src/admin/openapi-document.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    outfile: bundle,
    logLevel: "error",
    plugins: [
      {
        // Only the request schemas are used: the Durable Object base class is never instantiated.
        name: "workers-runtime-stub",
        setup(builder) {
          builder.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, namespace: "stub" }));
          builder.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export class DurableObject {}" }));
        },
      },
    ],
  });
  const { OPENAPI_PATH, openApiDocument } = (await import(pathToFileURL(bundle).href)) as {
    OPENAPI_PATH: string;
    openApiDocument: () => unknown;
  };
  const file = join(root, OPENAPI_PATH);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
  console.log(`wrote ${OPENAPI_PATH}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
