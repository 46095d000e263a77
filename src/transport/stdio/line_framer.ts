/**
 * Frames stdin into whole lines for the stdio transport, and drops a line
 * longer than the limit (reporting its id, when the line shows one) instead
 * of holding it all: one oversized message costs its own answer, not the
 * session.
 *
 * @module
 */
import { MessageHeadScanner } from "../../jsonrpc/message_head.ts";
import { MAX_MESSAGE_BYTES } from "../../jsonrpc/limits.ts";

/** What the partial-line buffer starts at, and goes back to after a longer line. */
const INITIAL_PARTIAL_BYTES = 16 * 1024;

/** What {@linkcode LineFramerOptions.onOversized} is told of a dropped line. */
export interface OversizedLine {
  /** The line's length in bytes, newline excluded. */
  bytes: number;
  /** The request id, when the line has one at its top level. */
  id?: string | number;
}

/** Options for {@linkcode createLineFramer}. */
export interface LineFramerOptions {
  /** The longest line passed on; {@linkcode MAX_MESSAGE_BYTES} by default. */
  maxLineBytes?: number;
  /** Called once for each dropped line, after its newline arrives. */
  onOversized: (line: OversizedLine) => void;
}

/** Frames a byte stream into whole lines; see {@linkcode createLineFramer}. */
export interface LineFramer {
  /**
   * Takes the next chunk; returns the lines completed by it, each without its
   * newline (and without a CR before it). A line may be a view of `chunk`:
   * use it before `chunk`'s buffer is written again. Nothing of `chunk` is
   * kept.
   */
  push(chunk: Uint8Array): Uint8Array[];
}

/**
 * A framer that passes on only whole lines, at most `maxLineBytes` each, and
 * drops longer ones, reporting them to `onOversized`.
 *
 * @example
 * ```ts
 * import { createLineFramer } from "./line_framer.ts";
 * const framer = createLineFramer({ onOversized: () => {} });
 * framer.push(new TextEncoder().encode('{"a":1}\r\n{"b"')).length; // 1
 * ```
 */
export function createLineFramer(options: LineFramerOptions): LineFramer {
  const max = options.maxLineBytes ?? MAX_MESSAGE_BYTES;
  // The start of a line whose newline has not come yet, in one buffer that grows by doubling (an
  // array of pieces would cost an object per read: a client writing a byte at a time made a
  // 2 MB line cost 900 MB).
  let partial = new Uint8Array(INITIAL_PARTIAL_BYTES);
  let partBytes = 0;
  const keep = (piece: Uint8Array) => {
    if (partBytes + piece.length > partial.length) {
      let size = partial.length * 2;
      while (size < partBytes + piece.length) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(partial.subarray(0, partBytes));
      partial = grown;
    }
    partial.set(piece, partBytes);
    partBytes += piece.length;
  };
  /** Forgets the partial line; a buffer grown for a long one is let go. */
  const clear = () => {
    partBytes = 0;
    if (partial.length > INITIAL_PARTIAL_BYTES) partial = new Uint8Array(INITIAL_PARTIAL_BYTES);
  };
  let dropping: { bytes: number; scanner: MessageHeadScanner } | undefined;

  const finishDropped = () => {
    const { bytes, scanner } = dropping!;
    dropping = undefined;
    const id = scanner.head.id;
    options.onOversized(id === undefined ? { bytes } : { bytes, id });
  };

  return {
    push(chunk) {
      const lines: Uint8Array[] = [];
      let start = 0;
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
          scanner.feed(partial.subarray(0, partBytes));
          scanner.feed(piece);
          dropping = { bytes: partBytes + piece.length - (newline === -1 ? 0 : 1), scanner };
          clear();
          if (newline !== -1) finishDropped();
          continue;
        }
        if (newline === -1) {
          // Copied: the chunk's buffer may be read into again before the line ends.
          keep(piece);
          continue;
        }
        let line = piece;
        if (partBytes > 0) {
          // A copy of its own: the partial buffer takes the next line's start in this same push.
          line = new Uint8Array(partBytes + piece.length);
          line.set(partial.subarray(0, partBytes));
          line.set(piece, partBytes);
          clear();
        }
        const cut = line.length > 1 && line[line.length - 2] === 13 ? 2 : 1;
        lines.push(line.subarray(0, line.length - cut));
      }
      return lines;
    },
  };
}
