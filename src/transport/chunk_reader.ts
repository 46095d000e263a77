/**
 * Reads a byte stream into buffers that are used again. Deno's resource
 * streams (fetch bodies, stdin) give a default reader each chunk in a new
 * 64 KiB buffer, whatever the chunk's size, so every message of a few
 * hundred bytes held 64 KiB of memory outside the JavaScript heap until the
 * next collection: most of what the proxy's memory grew by per call. Read
 * in "BYOB" mode, the stream fills a buffer it is given instead; the
 * buffers come from a small shared pool.
 *
 * A chunk read here lives in a pooled buffer and is valid only until the
 * next `read` (or `cancel`): the caller uses it at once or copies it.
 *
 * Streams that are not byte streams (as tests give) are read as usual.
 *
 * @module
 */

/** Bytes per pooled buffer: Deno's own chunk size. */
const BUFFER_BYTES = 64 * 1024;
/** Buffers kept for reuse; more are made while more reads are under way at once. */
const POOL_SIZE = 16;
const pool: ArrayBuffer[] = [];

/** A reader of one byte stream; see the module doc. */
export interface ChunkReader {
  /** The next chunk, valid until the next call; `undefined` once the stream has ended. */
  read(): Promise<Uint8Array | undefined>;
  /** Cancels the stream; the last chunk's buffer goes back to the pool. */
  cancel(reason?: unknown): Promise<void>;
}

function give(buffer: ArrayBuffer | undefined): void {
  if (buffer && buffer.byteLength === BUFFER_BYTES && pool.length < POOL_SIZE) pool.push(buffer);
}

/**
 * A {@linkcode ChunkReader} of `stream`, reading into pooled buffers when
 * the stream is a byte stream.
 *
 * @example
 * ```ts
 * import { readChunks } from "./chunk_reader.ts";
 * const reader = readChunks(new Response("hello").body!);
 * new TextDecoder().decode(await reader.read()); // "hello"
 * ```
 */
export function readChunks(stream: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: read it as it comes.
  }
  if (!byob) {
    const reader = stream.getReader();
    return {
      read: async () => {
        const { done, value } = await reader.read();
        return done ? undefined : value;
      },
      cancel: (reason) => reader.cancel(reason),
    };
  }
  const reader = byob;
  /** The buffer of the chunk last returned, given back at the next read. */
  let held: ArrayBuffer | undefined;
  return {
    read: async () => {
      give(held);
      held = undefined;
      const { done, value } = await reader.read(
        new Uint8Array(pool.pop() ?? new ArrayBuffer(BUFFER_BYTES)),
      );
      if (done || !value) {
        give(value?.buffer as ArrayBuffer | undefined);
        return undefined;
      }
      held = value.buffer as ArrayBuffer;
      return value;
    },
    cancel: (reason) => {
      give(held);
      held = undefined;
      return reader.cancel(reason);
    },
  };
}
