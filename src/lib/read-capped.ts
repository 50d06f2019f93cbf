/**
 * A response body as text, read as a stream and abandoned past `maxBytes`: a remote that answers
 * with megabytes (or never stops) costs at most that much memory. `undefined` when it is larger.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<string | undefined> {
  if (body === null) return "";
  const bytes = await streamCapped(body, maxBytes);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/**
 * A request body as bytes, read once, or `undefined` when it is larger than `maxBytes`. A declared
 * `Content-Length` over the cap is refused before anything is read (the runtime holds a body to its
 * declared length); without one (chunked), the stream is read and abandoned once past the cap.
 */
export async function readBodyCapped(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > maxBytes) return undefined;
    // Declared within the cap: one read of the whole body, checked once more in case the header lied.
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > maxBytes ? undefined : bytes;
  }
  return request.body === null ? new Uint8Array(0) : streamCapped(request.body, maxBytes);
}

/**
 * How much one read of a stream asks for: a typical callback (a few KiB) arrives in one read, and the
 * read that would only say "done" is skipped (each read waits for a turn of the runtime's event loop).
 */
const READ_BYTES = 16 * 1024;

/** Every byte of a stream, or `undefined` (the stream cancelled) once it passes `maxBytes`. */
export async function streamCapped(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    return chunksCapped(body.getReader(), maxBytes); // not a byte stream (one built in JavaScript)
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    // Resolves once READ_BYTES have arrived, or with fewer only when the stream has ended.
    const { done, value } = await reader.readAtLeast(READ_BYTES, new Uint8Array(READ_BYTES));
    const size = value?.byteLength ?? 0;
    total += size;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    if (size > 0) chunks.push(value as Uint8Array);
    if (done || size < READ_BYTES) return joined(chunks, total);
  }
}

/** The same with a default reader: one chunk per read, as the stream hands them out. */
async function chunksCapped(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return joined(chunks, total);
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

function joined(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
