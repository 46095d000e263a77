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
          for (const part of [...parts, piece]) scanner.feed(part);
          dropping = { bytes: partBytes + piece.length - (newline === -1 ? 0 : 1), scanner };
          parts = [];
          partBytes = 0;
          if (newline !== -1) finishDropped();
          continue;
        }
        if (newline === -1) {
          // Copied: the chunk's buffer may be read into again before the line ends.
          parts.push(piece.slice());
          partBytes += piece.length;
          continue;
        }
        const line = parts.length === 0
          ? piece
          : concat([...parts, piece], partBytes + piece.length);
        parts = [];
        partBytes = 0;
        const cut = line.length > 1 && line[line.length - 2] === 13 ? 2 : 1;
        lines.push(line.subarray(0, line.length - cut));
      }
      return lines;
    },
  };
}

function concat(pieces: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}
