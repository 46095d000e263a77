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
import { Transform, type TransformCallback } from "node:stream";
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

/**
 * A byte stream that passes on only whole lines, at most `maxLineBytes`
 * each, and drops longer ones, reporting them to `onOversized`.
 *
 * @example
 * ```ts
 * import { createLineFramer } from "./line_framer.ts";
 * const framer = createLineFramer({ onOversized: () => {} });
 * typeof framer.pipe; // "function"
 * ```
 */
export function createLineFramer(options: LineFramerOptions): Transform {
  const max = options.maxLineBytes ?? MAX_LINE_BYTES;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let dropping: { bytes: number; scanner: MessageHeadScanner } | undefined;

  const finishDropped = () => {
    const { bytes, scanner } = dropping!;
    dropping = undefined;
    const id = scanner.head.id;
    options.onOversized(id === undefined ? { bytes } : { bytes, id });
  };

  return new Transform({
    transform(chunk: Buffer, _encoding: string, done: TransformCallback) {
      let start = 0;
      let out: Buffer[] = [];
      let outBytes = 0;
      const flushOut = () => {
        if (outBytes > 0) this.push(out.length === 1 ? out[0] : Buffer.concat(out, outBytes));
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
      done();
    },
  });
}
