import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * The deployable modules of a `wrangler deploy --dry-run --outdir` build, gzipped
 * together the way wrangler reports "gzip:" (zlib defaults over all modules).
 */
export function bundleSize(outdir: string): { raw_bytes: number; gzip_bytes: number } {
  const modules = readdirSync(outdir)
    .filter((file) => /\.(m?js|cjs|wasm)$/.test(file))
    .sort()
    .map((file) => readFileSync(join(outdir, file)));
  const all = Buffer.concat(modules);
  return { raw_bytes: all.length, gzip_bytes: gzipSync(all).length };
}
