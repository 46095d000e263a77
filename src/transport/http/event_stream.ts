/**
 * Reads one server-sent event stream (a response body) into events, with
 * `eventsource-parser` (the parser the MCP SDK uses) for the format, and
 * with no line longer than a limit: a parser keeps a line until it ends, so
 * a server could otherwise grow the proxy's memory without bound.
 *
 * The body is read into pooled buffers (`chunk_reader.ts`) and handed to the
 * parser by whole lines (`sse_lines.ts`), decoded in one step per read: no
 * stream pipeline stands between the socket and the parser, which is where
 * the SDK transport's time per answer went (docs/performance.md).
 *
 * @module
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { readChunks } from "../chunk_reader.ts";
import { SseLines } from "./sse_lines.ts";

/** How an event stream ended: closed by the server, or cut at a line over the limit. */
export type StreamEnd = "ended" | "overlong";

/** What {@linkcode readEventStream} is told of, as it reads. */
export interface EventStreamHandlers {
  /** Each event, in order. */
  onEvent(event: EventSourceMessage): void;
  /** The server's `retry:` field, in milliseconds. */
  onRetry(ms: number): void;
}

/**
 * Reads `body` to its end, calling `handlers` with each event. Resolves with
 * how it ended; rejects when reading fails (a dropped connection, an abort).
 * At a line over `maxLineBytes` the body is cancelled.
 *
 * @example
 * ```ts
 * import { readEventStream } from "./event_stream.ts";
 * const body = new Response("id: 1\ndata: {}\n\n").body!;
 * const data: string[] = [];
 * await readEventStream(body, 1024, { onEvent: (e) => data.push(e.data), onRetry: () => {} });
 * data; // ["{}"]
 * ```
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  maxLineBytes: number,
  handlers: EventStreamHandlers,
): Promise<StreamEnd> {
  const reader = readChunks(body);
  const lines = new SseLines(maxLineBytes);
  const decoder = new TextDecoder();
  const parser = createParser({ onEvent: handlers.onEvent, onRetry: handlers.onRetry });
  for (;;) {
    const bytes = await reader.read();
    if (bytes === undefined) {
      const rest = lines.rest();
      parser.feed(decoder.decode(rest));
      return "ended";
    }
    const passed = lines.take(bytes);
    if (passed === "overlong") {
      await reader.cancel().catch(() => {});
      return "overlong";
    }
    if (passed) parser.feed(decoder.decode(passed, { stream: true }));
  }
}
