/**
 * Lets the backend's answers reach the client as the bytes they came in,
 * when no policy needs to look at them: the answer to a `tools/call`,
 * `resources/read` or `prompts/get` is neither parsed nor serialised again on
 * its way through the proxy.
 *
 * {@linkcode ResponseTap.wrap} sits between the SDK's
 * `StreamableHTTPClientTransport` and the signing fetch and reads each
 * response body as it streams (SSE events, or one JSON body). An answer that
 * the proxy takes is held, and the SDK is given in its place a small
 * stand-in answer with the same id (and the same SSE event id), so that the
 * SDK's bookkeeping (a request is answered; where a stream resumes) stays as
 * it would be. When the stand-in reaches the proxy, in stream order,
 * {@linkcode ResponseTap.claim} hands back the held bytes, which the proxy
 * writes to stdout. Every other event passes on byte for byte.
 *
 * The SDK transports offer no such path: they parse each message, check it
 * with zod and serialise it again, which holds a large result several times
 * over. Hence this module.
 *
 * @module
 */
import type { FetchLike, JSONRPCMessage, RequestId } from "../../mcp_sdk.ts";
import { MessageHeadScanner } from "../../jsonrpc/message_head.ts";

/** The size from which an answer is held rather than parsed. */
const DEFAULT_MIN_BYTES = 64 * 1024;

/** How long held bytes wait for their stand-in; it normally comes within milliseconds. */
const DEFAULT_HOLD_MS = 60_000;

/** The `_meta` key of a stand-in answer; its value numbers the bytes held for it. */
const STAND_IN_MARK = "aws-mcp-proxy/held";

const LF = 0x0a;
const CR = 0x0d;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The stand-in for the answer held as `held`, under its id as written. */
function standIn(idText: string, held: number): string {
  return `{"jsonrpc":"2.0","id":${idText},"result":{"_meta":{"${STAND_IN_MARK}":${held}}}}`;
}

/** Appends `piece` to `pieces`, joining it to the last one when they are adjacent in one buffer. */
function append(pieces: Uint8Array[], piece: Uint8Array): void {
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
function slice(pieces: readonly Uint8Array[], start: number, end: number): Uint8Array[] {
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

function byteLength(pieces: readonly Uint8Array[]): number {
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

/**
 * The answer `pieces` hold, when it is one JSON-RPC answer that `takes`
 * accepts: its id as parsed and as written.
 */
function takenAnswer(
  pieces: readonly Uint8Array[],
  takes: (id: RequestId) => boolean,
): { id: RequestId; idText: string } | undefined {
  const scanner = new MessageHeadScanner();
  for (const piece of pieces) scanner.feed(piece);
  const { id, idText, hasMethod, hasOutcome, complete, invalid } = scanner.head;
  if (id === undefined || idText === undefined || hasMethod || !hasOutcome) return undefined;
  if (!complete || invalid || !takes(id)) return undefined;
  return { id, idText };
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
function tapSseBody(
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

function mediaType(response: Response): string {
  return (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * Takes the backend's answers out of the response bodies the SDK reads and
 * hands them back, as bytes, when the stand-in put in their place reaches the
 * proxy; see the module doc.
 *
 * @example
 * ```ts
 * import { ResponseTap } from "./response_tap.ts";
 * const tap = new ResponseTap(() => true);
 * const tappedFetch = tap.wrap(fetch);
 * tap.claim({ jsonrpc: "2.0", id: 1, result: {} }); // undefined: not a stand-in
 * ```
 */
export class ResponseTap {
  #takes: (id: RequestId) => boolean;
  #minBytes: number;
  #holdMs: number;
  #held = new Map<number, { pieces: Uint8Array[]; timer: ReturnType<typeof setTimeout> }>();
  #seq = 0;

  /**
   * `takes` says whether the answer to a request may skip the proxy's
   * parsing; answers shorter than `minBytes` (64 KiB unless given) are not
   * held, since parsing a small message again costs less than holding it.
   * Held bytes whose stand-in does not come within `holdMs` (a minute unless
   * given) are dropped.
   */
  constructor(
    takes: (id: RequestId) => boolean,
    options: { minBytes?: number; holdMs?: number } = {},
  ) {
    this.#takes = takes;
    this.#minBytes = options.minBytes ?? DEFAULT_MIN_BYTES;
    this.#holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  }

  /** How many answers are held, waiting for their stand-ins. */
  get holding(): number {
    return this.#held.size;
  }

  /** Wraps `next` so that the bodies of successful responses pass through the tap. */
  wrap(next: FetchLike): FetchLike {
    return async (input, init) => {
      const response = await next(input, init);
      if (!response.ok || !response.body) return response;
      const type = mediaType(response);
      if (type === "text/event-stream") {
        const body = tapSseBody(response.body, (pieces) => this.#hold(pieces), this.#minBytes);
        return new Response(body, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      }
      const length = Number(response.headers.get("content-length") ?? Infinity);
      if (type === "application/json" && length >= this.#minBytes) {
        return await this.#tapJson(response);
      }
      return response;
    };
  }

  /**
   * The bytes of the answer `message` stands in for, taken out of the tap;
   * `undefined` when `message` is not a stand-in.
   */
  claim(message: JSONRPCMessage): Uint8Array[] | undefined {
    const meta = (message as { result?: { _meta?: Record<string, unknown> } }).result?._meta;
    const held = meta?.[STAND_IN_MARK];
    if (typeof held !== "number") return undefined;
    const entry = this.#held.get(held);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.#held.delete(held);
    return entry.pieces;
  }

  /** Holds `pieces` when they are an answer to take; returns the stand-in's text. */
  #hold(pieces: Uint8Array[]): string | undefined {
    const taken = takenAnswer(pieces, this.#takes);
    if (!taken) return undefined;
    const held = ++this.#seq;
    // A stand-in the SDK never reads (its stream was closed first) must not keep the bytes.
    const timer = setTimeout(() => this.#held.delete(held), this.#holdMs);
    this.#held.set(held, { pieces, timer });
    return standIn(taken.idText, held);
  }

  /**
   * A JSON body is read whole (the SDK reads it whole too) and held when it is
   * one answer on one line: a pretty-printed body would break the client's
   * line framing. (An SSE data value cannot hold a line break.)
   */
  async #tapJson(response: Response): Promise<Response> {
    const pieces: Uint8Array[] = [];
    for await (const chunk of response.body!) pieces.push(chunk);
    const oneLine = pieces.every((piece) => !piece.includes(LF) && !piece.includes(CR));
    const replacement = oneLine && byteLength(pieces) >= this.#minBytes
      ? this.#hold(pieces)
      : undefined;
    const body = replacement ?? new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(piece);
        controller.close();
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }
}
