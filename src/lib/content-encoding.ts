import { streamCapped } from "./read-capped";

type Format = "gzip" | "deflate";

/** The content codings a body may be sent in, as `DecompressionStream` names them (HTTP's `deflate` is zlib). */
const FORMATS: Readonly<Record<string, Format>> = { gzip: "gzip", "x-gzip": "gzip", deflate: "deflate" };

/** Whether the bytes begin as the format does: gzip's magic number, or a zlib header (which no JSON text has). */
function startsAs(format: Format, bytes: Uint8Array): boolean {
  const [first = 0, second = 0] = bytes;
  if (format === "gzip") return first === 0x1f && second === 0x8b;
  return (first & 0x0f) === 8 && ((first << 8) | second) % 31 === 0;
}

/**
 * A request body sent with `Content-Encoding: gzip` (`x-gzip`) or `deflate`, decompressed as a stream and
 * abandoned past `maxBytes` (so a small body that inflates to gigabytes costs at most that much): the
 * bytes, `"too-large"`, or `"corrupt"`. Any other body comes back as it is: without the header, with a
 * coding the relay does not read (then no longer UTF-8, and refused as such), or one an intermediary already
 * decoded, leaving the header on (its bytes do not begin as the coding does).
 */
export async function decodedContent(
  bytes: Uint8Array,
  contentEncoding: string | null,
  maxBytes: number,
): Promise<Uint8Array | "too-large" | "corrupt"> {
  const coding = contentEncoding?.trim().toLowerCase() ?? "";
  const format = Object.hasOwn(FORMATS, coding) ? FORMATS[coding] : undefined;
  if (format === undefined || !startsAs(format, bytes)) return bytes;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format));
  try {
    return (await streamCapped(inflated, maxBytes)) ?? "too-large";
  } catch {
    return "corrupt";
  }
}
