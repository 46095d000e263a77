/**
 * Guards the backend's event streams, below the SDK's
 * `StreamableHTTPClientTransport`, against the two ways a stream can leave a
 * request hanging or the proxy's memory growing:
 *
 * - **A stream that ends before its answer.** The SDK resumes a POST stream
 *   only when it carried an event id; otherwise the request waits until the
 *   proxy's timeout. When the stream of a request ends (cleanly, cut
 *   mid-event or with a network error), the guard appends one event of its
 *   own, {@linkcode STREAM_END_METHOD}, which the SDK delivers in stream
 *   order, after every event before it: whoever reads it knows that an
 *   answer not seen by then will never come on this stream.
 * - **A line without end.** The SDK's SSE parser keeps a line until its
 *   newline. A line longer than the limit ends the stream at once (the
 *   marker says so), and a JSON body longer than the limit fails.
 *
 * Bytes pass through unchanged; only line starts are looked at (for `id:`
 * fields and the length of the current line), so the cost per chunk is one
 * native search for line breaks.
 *
 * @module
 */
import type { FetchLike } from "../../mcp_sdk.ts";
import { MAX_MESSAGE_BYTES } from "../../jsonrpc/limits.ts";

/** The method of the event the guard appends when a request's stream ends. */
export const STREAM_END_METHOD = "notifications/aws-mcp-proxy/stream-ended";

/** The params of a {@linkcode STREAM_END_METHOD} event. */
export interface StreamEnd {
  /** The id of the request whose stream ended. */
  request: string | number;
  /** Whether the stream carried an event id, so the SDK resumes it. */
  resumable: boolean;
  /** Set when the stream was ended for a line longer than this many bytes. */
  overlong?: number;
}

const LF = 0x0a;
const encoder = new TextEncoder();

/** The id of the request `body` posts, as JSON text; `undefined` when it posts no request. */
function requestIdText(body: unknown): string | undefined {
  if (typeof body !== "string" || !body.includes('"method"')) return undefined;
  // The SDK serializes a request as {"jsonrpc","id","method",…}: read the id without a parse.
  const head = /^\{"jsonrpc":"2\.0","id":("(?:[^"\\]|\\.)*"|-?\d+)[,}]/.exec(body);
  if (head) return head[1];
  try {
    const message = JSON.parse(body) as { id?: unknown; method?: unknown };
    const id = message.id;
    return typeof message.method === "string" && (typeof id === "string" || typeof id === "number")
      ? JSON.stringify(id)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `chunk` starts an `id:` field at `at`. */
function idFieldAt(chunk: Uint8Array, at: number): boolean {
  return chunk[at] === 0x69 && chunk[at + 1] === 0x64 && chunk[at + 2] === 0x3a; // "id:"
}

/** An SSE body that ends with the marker event, and is cut at a line over `maxLineBytes`. */
function guardSse(
  body: ReadableStream<Uint8Array>,
  idText: string | undefined,
  maxLineBytes: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let lineBytes = 0;
  let resumable = false;
  let ended = false;
  const end = (controller: ReadableStreamDefaultController<Uint8Array>, overlong?: number) => {
    ended = true;
    if (idText !== undefined) {
      const params = `{"request":${idText},"resumable":${resumable}${
        overlong === undefined ? "" : `,"overlong":${overlong}`
      }}`;
      // The line breaks first end any event the stream was cut in.
      controller.enqueue(
        encoder.encode(
          `\n\ndata: {"jsonrpc":"2.0","method":"${STREAM_END_METHOD}","params":${params}}\n\n`,
        ),
      );
    }
    controller.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (ended) return;
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        // A network error: the marker still tells the reader the answer will not come here.
        end(controller);
        return;
      }
      if (chunk.done) {
        end(controller);
        return;
      }
      const bytes = chunk.value;
      let lineStart = lineBytes === 0 ? 0 : -1;
      for (let lf = bytes.indexOf(LF); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
        if (lineStart !== -1 && !resumable && idFieldAt(bytes, lineStart)) resumable = true;
        lineBytes = 0;
        lineStart = lf + 1;
      }
      if (lineStart !== -1 && !resumable && idFieldAt(bytes, lineStart)) resumable = true;
      lineBytes += bytes.length - Math.max(lineStart, 0);
      if (lineBytes > maxLineBytes) {
        void reader.cancel().catch(() => {});
        // Resuming would only bring the same line again.
        resumable = false;
        end(controller, maxLineBytes);
        return;
      }
      controller.enqueue(bytes);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** A JSON body that fails once it grows past `maxBytes`. */
function guardJson(body: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> {
  let total = 0;
  return body.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        total += chunk.length;
        if (total > maxBytes) {
          throw new RangeError(`the server's answer is longer than the ${maxBytes} byte limit`);
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Wraps `next` so that event streams end with a marker and no line or JSON
 * body grows past `maxLineBytes` ({@linkcode MAX_MESSAGE_BYTES} unless given).
 *
 * @example
 * ```ts
 * import { guardStreams } from "./stream_guard.ts";
 * const guarded = guardStreams(fetch, { maxLineBytes: 1024 * 1024 });
 * typeof guarded; // "function"
 * ```
 */
export function guardStreams(next: FetchLike, options: { maxLineBytes?: number } = {}): FetchLike {
  const max = options.maxLineBytes ?? MAX_MESSAGE_BYTES;
  return async (input, init) => {
    const response = await next(input, init);
    if (!response.ok || !response.body) return response;
    const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    let body: ReadableStream<Uint8Array>;
    if (type === "text/event-stream") {
      const idText = init?.method === "POST" ? requestIdText(init.body) : undefined;
      body = guardSse(response.body, idText, max);
    } else if (type === "application/json") {
      body = guardJson(response.body, max);
    } else return response;
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
