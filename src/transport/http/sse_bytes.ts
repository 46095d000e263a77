/**
 * Reads a Server-Sent Events body as bytes, event by event, and lets one
 * caller-chosen event's data be replaced: what the response tap needs to hold
 * a large answer and hand the SDK a small stand-in, while every other byte
 * passes on unchanged.
 *
 * Hand-written, because the well-kept SSE parsers (`eventsource-parser`,
 * Deno's standard library) decode every event into a string: a 10 MB answer
 * would then be held several times over. Byte for byte, the 10 MB answer
 * adds +13.7 MB to the proxy's peak RSS (1.37× its size, within the 3× the
 * project set); decoded and parsed again it added +53 MB (README,
 * Performance; `deno task bench` measures it).
 *
 * @module
 */

const LF = 0x0a;
const CR = 0x0d;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Appends `piece` to `pieces`, joining it to the last one when they are adjacent in one buffer. */
export function append(pieces: Uint8Array[], piece: Uint8Array): void {
  if (piece.length === 0) return;
  const last = pieces.at(-1);
  if (
    last && last.buffer === piece.buffer && last.byteOffset + last.length === piece.byteOffset
  ) {
    pieces[pieces.length - 1] = new Uint8Array(
      last.buffer,
      last.byteOffset,
      last.length + piece.length,
    );
  } else pieces.push(piece);
}

/** The bytes `start` to `end` of `pieces` joined, as pieces of the same buffers. */
export function slice(pieces: readonly Uint8Array[], start: number, end: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const piece of pieces) {
    const from = Math.max(start - offset, 0);
    const to = Math.min(end - offset, piece.length);
    if (from < to) out.push(piece.subarray(from, to));
    offset += piece.length;
  }
  return out;
}

/** The total length of `pieces`. */
export function byteLength(pieces: readonly Uint8Array[]): number {
  return pieces.reduce((sum, piece) => sum + piece.length, 0);
}

/** Whether `chunk` has a CR not followed by LF; `afterCr` says the chunk before ended in one. */
function hasLoneCr(chunk: Uint8Array, afterCr: boolean): boolean {
  if (afterCr && chunk[0] !== LF) return true;
  for (let cr = chunk.indexOf(CR); cr !== -1; cr = chunk.indexOf(CR, cr + 1)) {
    if (cr + 1 < chunk.length && chunk[cr + 1] !== LF) return true;
  }
  return false;
}

/** Where passed-on chunks go: the pulled stream's controller. */
interface Sink {
  enqueue(chunk: Uint8Array): void;
}

/** One line of an SSE event, its line break included. */
interface SseLine {
  pieces: Uint8Array[];
  /** The field's value, for a `data` line. */
  data?: Uint8Array[];
  /** An `event` line's value other than `message`, which the SDK does not read as a message. */
  otherType?: boolean;
}

/** Reads one line's field; only the first bytes of a long `data` line are decoded. */
function readLine(pieces: Uint8Array[]): SseLine {
  const length = byteLength(pieces);
  const ending = length >= 2 && slice(pieces, length - 2, length - 1)[0]![0] === CR ? 2 : 1;
  const start = decoder.decode(concat(slice(pieces, 0, Math.min(length, 64))));
  if (start.startsWith("data:")) {
    const valueStart = start.startsWith("data: ") ? 6 : 5;
    return { pieces, data: slice(pieces, valueStart, length - ending) };
  }
  if (start.startsWith("event:")) {
    const type = start.slice(6, Math.max(6, start.length - ending)).trim();
    return { pieces, otherType: type !== "" && type !== "message" };
  }
  return { pieces };
}

function concat(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(byteLength(pieces));
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

/**
 * An SSE body read through a tap that holds each event's data when it is an
 * answer `hold` takes, and puts the stand-in `hold` returns in its place.
 * A lone CR, which ends a line in SSE but which no JSON-RPC server sends,
 * turns it into a plain pass-through for the rest of the stream.
 *
 * A pulled stream rather than `pipeThrough` a `TransformStream`: the SDK
 * already pipes each body twice, and a third pipe cost a measurable share of
 * the proxy's CPU.
 */
export function tapSseBody(
  body: ReadableStream<Uint8Array>,
  hold: (pieces: Uint8Array[]) => string | undefined,
  minBytes: number,
): ReadableStream<Uint8Array> {
  let line: Uint8Array[] = [];
  let event: SseLine[] = [];
  let passThrough = false;
  let afterCr = false;

  /** Passes on, unchanged, whatever is held of an event not yet ended. */
  const release = (controller: Sink) => {
    for (const held of [...event.flatMap((l) => l.pieces), ...line]) controller.enqueue(held);
    event = [];
    line = [];
  };

  const endEvent = (controller: Sink) => {
    const lines = event;
    event = [];
    const data = lines.filter((l) => l.data !== undefined);
    const replacement =
      data.length === 1 && !lines.some((l) => l.otherType) && byteLength(data[0]!.data!) >= minBytes
        ? hold(data[0]!.data!)
        : undefined;
    const out: Uint8Array[] = [];
    for (const l of lines) {
      if (replacement !== undefined && l.data) out.push(encoder.encode(`data: ${replacement}\n`));
      else for (const piece of l.pieces) append(out, piece);
    }
    for (const piece of out) controller.enqueue(piece);
  };

  const transform = (chunk: Uint8Array, controller: Sink) => {
    if (!passThrough && hasLoneCr(chunk, afterCr)) {
      passThrough = true;
      release(controller);
    }
    afterCr = chunk.at(-1) === CR;
    // Whole events too small to hold, as a server writes them, pass at once.
    const wholeEvents = event.length === 0 && line.length === 0 && chunk.length < minBytes &&
      chunk.at(-1) === LF &&
      (chunk.at(-2) === LF || (chunk.at(-2) === CR && chunk.at(-3) === LF));
    if (passThrough || wholeEvents) {
      controller.enqueue(chunk);
      return;
    }
    for (let start = 0; start < chunk.length;) {
      const newline = chunk.indexOf(LF, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      append(line, chunk.subarray(start, end));
      start = end;
      if (newline === -1) continue;
      const ended = readLine(line);
      line = [];
      event.push(ended);
      if (ended.data === undefined && byteLength(ended.pieces) <= 2) {
        const first = ended.pieces[0]![0];
        if (first === LF || first === CR) endEvent(controller);
      }
    }
  };

  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let enqueued = false;
      const out: Sink = {
        enqueue(chunk: Uint8Array) {
          enqueued = true;
          controller.enqueue(chunk);
        },
      };
      // Read until something can be passed on: a chunk may only add to an event held back.
      while (!enqueued) {
        const { done, value } = await reader.read();
        if (done) {
          release(controller);
          controller.close();
          return;
        }
        transform(value, out);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
