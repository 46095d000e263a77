/**
 * Frames stdin into whole lines before the SDK's stdio transport reads it,
 * so that one oversized line is dropped and answered instead of ending the
 * session: the SDK's `StdioServerTransport` closes itself when its buffer
 * overflows. Whole lines also spare the SDK's buffer from concatenating a
 * large message chunk by chunk.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { MessageHeadScanner } from "./message_head.ts";

/** The longest line passed on, newline included: the SDK transport's own default limit. */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/** What {@linkcode LineFramerOptions.onOversized} is told of a dropped line. */
export interface OversizedLine {
  /** The line's length in bytes, newline excluded. */
  bytes: number;
  /** The request id, when the line has one at its top level. */
  id?: string | number;
}

/** Options for {@linkcode createLineFramer}. */
export interface LineFramerOptions {
  /** The longest line passed on; {@linkcode MAX_LINE_BYTES} by default. */
  maxLineBytes?: number;
  /** Called once for each dropped line, after its newline arrives. */
  onOversized: (line: OversizedLine) => void;
}

/** Frames a byte stream into whole lines; see {@linkcode createLineFramer}. */
export interface LineFramer {
  /**
   * Takes the next chunk; returns the whole lines completed by it, joined
   * into buffers of at most `maxLineBytes` (most often one buffer, or none).
   */
  push(chunk: Uint8Array): Buffer[];
}

/**
 * A framer that passes on only whole lines, at most `maxLineBytes` each, and
 * drops longer ones, reporting them to `onOversized`.
 *
 * @example
 * ```ts
 * import { createLineFramer } from "./line_framer.ts";
 * const framer = createLineFramer({ onOversized: () => {} });
 * framer.push(new TextEncoder().encode('{"a":1}\n{"b"')).length; // 1
 * ```
 */
export function createLineFramer(options: LineFramerOptions): LineFramer {
  const max = options.maxLineBytes ?? MAX_LINE_BYTES;
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let dropping: { bytes: number; scanner: MessageHeadScanner } | undefined;

  const finishDropped = () => {
    const { bytes, scanner } = dropping!;
    dropping = undefined;
    const id = scanner.head.id;
    options.onOversized(id === undefined ? { bytes } : { bytes, id });
  };

  return {
    push(chunk) {
      const lines: Buffer[] = [];
      let start = 0;
      let out: Uint8Array[] = [];
      let outBytes = 0;
      const flushOut = () => {
        if (out.length === 1) lines.push(Buffer.from(out[0]!.buffer, out[0]!.byteOffset, outBytes));
        else if (outBytes > 0) lines.push(Buffer.concat(out, outBytes));
        out = [];
        outBytes = 0;
      };
      while (start < chunk.length) {
        const newline = chunk.indexOf(10, start);
        const end = newline === -1 ? chunk.length : newline + 1;
        const piece = chunk.subarray(start, end);
        start = end;
        if (dropping) {
          dropping.bytes += piece.length;
          dropping.scanner.feed(piece);
          if (newline !== -1) {
            dropping.bytes -= 1;
            finishDropped();
          }
          continue;
        }
        if (partBytes + piece.length > max) {
          const scanner = new MessageHeadScanner();
          for (const part of [...parts, piece]) scanner.feed(part);
          dropping = { bytes: partBytes + piece.length - (newline === -1 ? 0 : 1), scanner };
          parts = [];
          partBytes = 0;
          if (newline !== -1) finishDropped();
          continue;
        }
        if (newline === -1) {
          parts.push(piece);
          partBytes += piece.length;
          continue;
        }
        const line = parts.length === 0 ? piece : Buffer.concat([...parts, piece]);
        parts = [];
        partBytes = 0;
        if (outBytes + line.length > max) flushOut();
        out.push(line);
        outBytes += line.length;
      }
      flushOut();
      return lines;
    },
  };
}
