/**
 * Guards the backend's response bodies, below the SDK's
 * `StreamableHTTPClientTransport`, against a line without end: the SDK's SSE
 * parser keeps a line until its newline, so a server could grow the proxy's
 * memory without bound. A line longer than the limit ends its stream at once
 * (with an error, which the SDK reports and never resumes from), and the
 * guard tells its owner which request's stream it was, through a callback;
 * a JSON body longer than the limit fails.
 *
 * Bytes pass through unchanged; only line lengths are counted, so the cost
 * per chunk is one native search for line breaks.
 *
 * When a stream ends for any other reason, the SDK says so itself
 * (`onRequestStreamEnd` on each send), so nothing is added to the stream:
 * whatever the proxy told itself there, a server could write too.
 *
 * @module
 */
import type { FetchLike } from "../../mcp_sdk.ts";
import { MAX_MESSAGE_BYTES } from "../../jsonrpc/limits.ts";

const LF = 0x0a;

/** Options for {@linkcode guardStreams}. */
export interface StreamGuardOptions {
  /** The longest line (SSE) or body (JSON) let through; {@linkcode MAX_MESSAGE_BYTES} unless given. */
  maxLineBytes?: number;
  /**
   * Told when a stream was ended for a line over the limit, with the body of
   * the POST whose stream it was (`undefined` for a GET stream).
   */
  onOverlong?: (requestBody: string | undefined, limit: number) => void;
}

/** An SSE body that errors at a line over `maxLineBytes`, after calling `overlong`. */
function guardSse(
  body: ReadableStream<Uint8Array>,
  maxLineBytes: number,
  overlong: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let lineBytes = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read();
      if (chunk.done) return controller.close();
      const bytes = chunk.value;
      let start = 0;
      for (let lf = bytes.indexOf(LF); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
        if (lineBytes + lf - start > maxLineBytes) break;
        lineBytes = 0;
        start = lf + 1;
      }
      lineBytes += bytes.length - start;
      if (lineBytes > maxLineBytes) {
        void reader.cancel().catch(() => {});
        overlong();
        controller.error(
          new RangeError(`the server sent a line longer than the ${maxLineBytes} byte limit`),
        );
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
 * Wraps `next` so that no SSE line or JSON body grows past the limit.
 *
 * @example
 * ```ts
 * import { guardStreams } from "./stream_guard.ts";
 * const guarded = guardStreams(fetch, { maxLineBytes: 1024 * 1024 });
 * typeof guarded; // "function"
 * ```
 */
export function guardStreams(next: FetchLike, options: StreamGuardOptions = {}): FetchLike {
  const max = options.maxLineBytes ?? MAX_MESSAGE_BYTES;
  return async (input, init) => {
    const response = await next(input, init);
    if (!response.ok || !response.body) return response;
    const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    let body: ReadableStream<Uint8Array>;
    if (type === "text/event-stream") {
      const sent = init?.method === "POST" && typeof init.body === "string" ? init.body : undefined;
      body = guardSse(response.body, max, () => options.onOverlong?.(sent, max));
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
