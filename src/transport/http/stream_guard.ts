/**
 * Guards the backend's response bodies, below the SDK's
 * `StreamableHTTPClientTransport`, against a line without end: the SDK's SSE
 * parser keeps a line until its newline, so a server could grow the proxy's
 * memory without bound. A line longer than the limit ends its stream at once
 * (with an error, which the SDK reports and never resumes from), and the
 * guard tells its owner which request's stream it was, through a callback;
 * a JSON body longer than the limit fails.
 *
 * Bytes pass through unchanged, by whole lines (CR, LF or CR LF end one, as
 * SSE says; see `sse_lines.ts`): the cost per chunk is a native search for
 * line breaks and one copy. The guard also reads each body into pooled
 * buffers, sparing the 64 KiB Deno gives every chunk (`chunk_reader.ts`).
 *
 * When a stream ends for any other reason, the SDK says so itself
 * (`onRequestStreamEnd` on each send), so nothing is added to the stream:
 * whatever the proxy told itself there, a server could write too.
 *
 * The guard also closes one request's stream on demand
 * ({@linkcode StreamGuard.close}): how a request the proxy gave up on stops
 * holding a connection in a session, where a per-request abort signal would
 * cost every request (the SDK joins it to its own with `AbortSignal.any`,
 * which, measured here, kept about 4 KB per request alive).
 *
 * @module
 */
import type { FetchLike, RequestId } from "../../mcp_sdk.ts";
import { postedRequestId } from "../../jsonrpc/posted_id.ts";
import { MAX_MESSAGE_BYTES } from "../../jsonrpc/limits.ts";
import { readChunks } from "../chunk_reader.ts";
import { SseLines } from "./sse_lines.ts";

/** Options for {@linkcode guardStreams}. */
export interface StreamGuardOptions {
  /** The longest line (SSE) or body (JSON) let through; {@linkcode MAX_MESSAGE_BYTES} unless given. */
  maxLineBytes?: number;
  /**
   * Told when a stream was ended for a line over the limit, with the id of the
   * request whose stream it was (`undefined` for a GET stream).
   */
  onOverlong?: (request: RequestId | undefined, limit: number) => void;
}

/** An SSE stream being read, and how to end it early. */
interface OpenStream {
  /** The body of the POST it answers. */
  body: string;
  /** Ends it as if the server had closed it. */
  close(): void;
}

/**
 * An SSE body that errors at a line over `maxLineBytes`, after calling
 * `overlong`; `open` is told how to close it, and `done` when it has ended.
 * Each chunk is read into a pooled buffer (see `chunk_reader.ts`) and passed
 * on by whole lines, as copies (see `sse_lines.ts`).
 */
function guardSse(
  body: ReadableStream<Uint8Array>,
  maxLineBytes: number,
  overlong: () => void,
  track: { open(close: () => void): void; done(): void },
): ReadableStream<Uint8Array> {
  const reader = readChunks(body);
  const lines = new SseLines(maxLineBytes);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      track.open(() => {
        track.done();
        void reader.cancel().catch(() => {});
        try {
          controller.close();
        } catch {
          // already closed or errored
        }
      });
    },
    async pull(controller) {
      // Until there is something to pass on: the start of an unfinished line is held back.
      for (;;) {
        const bytes = await reader.read().catch((error) => {
          track.done();
          throw error;
        });
        if (bytes === undefined) {
          const rest = lines.rest();
          if (rest) controller.enqueue(rest);
          track.done();
          return controller.close();
        }
        const passed = lines.take(bytes);
        if (passed === "overlong") {
          track.done();
          void reader.cancel().catch(() => {});
          overlong();
          controller.error(
            new RangeError(`the server sent a line longer than the ${maxLineBytes} byte limit`),
          );
          return;
        }
        if (passed) return controller.enqueue(passed);
      }
    },
    cancel(reason) {
      track.done();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** A JSON body that fails once it grows past `maxBytes`; read as {@linkcode guardSse} reads. */
function guardJson(body: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> {
  const reader = readChunks(body);
  let total = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const bytes = await reader.read();
      if (bytes === undefined) return controller.close();
      total += bytes.length;
      if (total > maxBytes) {
        void reader.cancel().catch(() => {});
        throw new RangeError(`the server's answer is longer than the ${maxBytes} byte limit`);
      }
      controller.enqueue(bytes.slice());
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

/**
 * Guards the response bodies of the fetches it wraps; see the module doc.
 *
 * @example
 * ```ts
 * import { StreamGuard } from "./stream_guard.ts";
 * const guard = new StreamGuard({ maxLineBytes: 1024 * 1024 });
 * const guarded = guard.wrap(fetch);
 * guard.close(7); // no stream of request 7 is open: nothing happens
 * ```
 */
export class StreamGuard {
  #max: number;
  #onOverlong: StreamGuardOptions["onOverlong"];
  #open = new Set<OpenStream>();

  /** A guard with no stream open yet. */
  constructor(options: StreamGuardOptions = {}) {
    this.#max = options.maxLineBytes ?? MAX_MESSAGE_BYTES;
    this.#onOverlong = options.onOverlong;
  }

  /** Wraps `next` so that no SSE line or JSON body grows past the limit. */
  wrap(next: FetchLike): FetchLike {
    return async (input, init) => {
      const response = await next(input, init);
      if (!response.ok || !response.body) return response;
      const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim()
        .toLowerCase();
      let body: ReadableStream<Uint8Array>;
      if (type === "text/event-stream") {
        const sent = init?.method === "POST" && typeof init.body === "string"
          ? init.body
          : undefined;
        let entry: OpenStream | undefined;
        body = guardSse(
          response.body,
          this.#max,
          () => this.#onOverlong?.(postedRequestId(sent), this.#max),
          {
            open: (close) => {
              if (sent === undefined) return;
              entry = { body: sent, close };
              this.#open.add(entry);
            },
            done: () => {
              if (entry) this.#open.delete(entry);
            },
          },
        );
      } else if (type === "application/json") {
        body = guardJson(response.body, this.#max);
      } else return response;
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
  }

  /**
   * Ends the event stream that answers request `id`, if one is open, as if
   * the server had closed it. The request is found by `JSON.parse` of each
   * open stream's POST body: only here, on a cancel or a timeout, never per
   * message.
   */
  close(id: RequestId): void {
    for (const entry of [...this.#open]) {
      if (postedRequestId(entry.body) === id) entry.close();
    }
  }
}
