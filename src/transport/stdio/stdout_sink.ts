/**
 * Where the stdio transport writes messages to the client: stdout, encoded
 * piece by piece into one reused buffer. Node's `process.stdout.write`
 * encodes each message into a new buffer of its full size, so a 10 MB tool
 * result held another 10 MB until the next collection; here no message
 * costs more than a 768 KiB buffer allocated once.
 *
 * @module
 */

/** A writer of whole messages to stdout. */
export interface TextSink {
  /** Writes `text` completely; throws what the write throws (such as a broken pipe). */
  write(text: string): void;
}

/** UTF-16 code units encoded per piece; UTF-8 needs at most 3 bytes for each. */
const PIECE_CHARS = 256 * 1024;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * A {@linkcode TextSink} over `writeSync`, which writes some of the bytes it
 * is given and says how many (as `Deno.stdout.writeSync` does).
 *
 * @example
 * ```ts
 * import { createTextSink } from "./stdout_sink.ts";
 * const written: Uint8Array[] = [];
 * const sink = createTextSink((bytes) => (written.push(bytes.slice()), bytes.length));
 * sink.write("héllo\n");
 * new TextDecoder().decode(written[0]); // "héllo\n"
 * ```
 */
export function createTextSink(
  writeSync: (bytes: Uint8Array) => number = (bytes) => Deno.stdout.writeSync(bytes),
): TextSink {
  const encoder = new TextEncoder();
  const buffer = new Uint8Array(PIECE_CHARS * 3);
  const writeAll = (bytes: Uint8Array) => {
    for (let done = 0; done < bytes.length;) done += writeSync(bytes.subarray(done));
  };
  return {
    write(text) {
      for (let start = 0; start < text.length;) {
        let end = Math.min(text.length, start + PIECE_CHARS);
        // A surrogate pair split between two pieces would be encoded as two replacement characters.
        if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
        const { written } = encoder.encodeInto(text.slice(start, end), buffer);
        writeAll(buffer.subarray(0, written));
        start = end;
      }
    },
  };
}
