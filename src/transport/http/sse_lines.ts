/**
 * An event stream's bytes as lines: ended by CR, LF or CR LF as the SSE
 * format says, and no line, nor event (its lines up to a blank one, which
 * the parser holds until it dispatches them), longer than a limit. The
 * bytes are passed on by whole lines, so that a server that sends a line a
 * few bytes at a time cannot make the SSE parser hold one string piece per
 * read (a 1 MB line sent a byte at a time cost it 76 MB). An unfinished
 * line is held back, up to {@linkcode HOLD_BYTES}: no event can be
 * dispatched before its line ends, so holding delays none. Pure.
 *
 * @module
 */

const LF = 0x0a;
const CR = 0x0d;
/** How much of an unfinished line is held back before it is passed on anyway. */
export const HOLD_BYTES = 64 * 1024;

/**
 * Counts line lengths and passes bytes on by whole lines; see the module doc.
 *
 * @example
 * ```ts
 * import { SseLines } from "./sse_lines.ts";
 * const lines = new SseLines(1024);
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * lines.take(bytes("data: {")); // undefined: the line has not ended
 * new TextDecoder().decode(lines.take(bytes('"a":1}\r\r')) as Uint8Array); // 'data: {"a":1}\r\r'
 * ```
 */
export class SseLines {
  #max: number;
  #lineBytes = 0;
  /** Bytes of the event being read: its lines since the last blank one, which the parser holds. */
  #eventBytes = 0;
  /** Whether the last byte taken was a CR, whose LF, if next, ends no further line. */
  #endedAtCr = false;
  #held = new Uint8Array(0);
  #heldBytes = 0;

  /** Lines of at most `maxLineBytes` bytes. */
  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  /**
   * Takes the next chunk (which it does not keep): the bytes to pass on now,
   * a copy of their own (`undefined` when all of it is held), or
   * `"overlong"` when a line grew past the limit.
   */
  take(bytes: Uint8Array): Uint8Array | undefined | "overlong" {
    let start = 0;
    let lf = bytes.indexOf(LF);
    let cr = bytes.indexOf(CR);
    while (lf !== -1 || cr !== -1) {
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      const length = this.#lineBytes + end - start;
      const crLf = end === lf && length === 0 &&
        (end > 0 ? bytes[end - 1] === CR : this.#endedAtCr);
      if (!crLf) {
        // A blank line ends the event; the others add to it, as the parser joins its data lines.
        this.#eventBytes = length === 0 ? 0 : this.#eventBytes + length + 1;
        if (this.#eventBytes > this.#max) return "overlong";
      }
      this.#lineBytes = 0;
      start = end + 1;
      if (end === lf) lf = bytes.indexOf(LF, start);
      else cr = bytes.indexOf(CR, start);
    }
    if (bytes.length > 0) this.#endedAtCr = bytes[bytes.length - 1] === CR;
    const unfinished = bytes.length - start;
    this.#lineBytes += unfinished;
    if (this.#eventBytes + this.#lineBytes > this.#max) return "overlong";
    if (this.#heldBytes + unfinished >= HOLD_BYTES) return this.#passing(bytes, bytes.length);
    if (start === 0) {
      this.#hold(bytes);
      return undefined;
    }
    const passed = this.#passing(bytes, start);
    this.#hold(bytes.subarray(start));
    return passed;
  }

  /** What is held at the stream's end, if anything. */
  rest(): Uint8Array | undefined {
    if (this.#heldBytes === 0) return undefined;
    const rest = this.#held.slice(0, this.#heldBytes);
    this.#heldBytes = 0;
    return rest;
  }

  /** The held bytes followed by `bytes[0, end)`, in a new array; nothing is held after. */
  #passing(bytes: Uint8Array, end: number): Uint8Array {
    const out = new Uint8Array(this.#heldBytes + end);
    out.set(this.#held.subarray(0, this.#heldBytes));
    out.set(bytes.subarray(0, end), this.#heldBytes);
    this.#heldBytes = 0;
    return out;
  }

  #hold(bytes: Uint8Array): void {
    const needed = this.#heldBytes + bytes.length;
    if (needed > this.#held.length) {
      const grown = new Uint8Array(Math.min(HOLD_BYTES, Math.max(needed, this.#held.length * 2)));
      grown.set(this.#held.subarray(0, this.#heldBytes));
      this.#held = grown;
    }
    this.#held.set(bytes, this.#heldBytes);
    this.#heldBytes = needed;
  }
}
