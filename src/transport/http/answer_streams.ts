/**
 * The event streams a Streamable HTTP server answers on: each read to its
 * end, message by message, and resumed with a GET carrying `Last-Event-ID`
 * while it may still carry its answer (a stream with event ids, or the
 * session's GET stream), after the server's `retry` or a backoff, as the
 * SDK's client transport does. The part of `streamable_http.ts` that
 * outlives a send.
 *
 * @module
 */
import {
  type FetchLike,
  type JSONRPCMessage,
  parseJSONRPCMessage,
  type RequestId,
  SdkErrorCode,
  SdkHttpError,
} from "../../mcp_sdk.ts";
import { isResponse } from "../../jsonrpc/message_kind.ts";
import { asError } from "../../log.ts";
import { readEventStream } from "./event_stream.ts";
import { bodyStart } from "./http_response.ts";
import { type HeaderRecord, headerSafe } from "./mcp_headers.ts";

/** How a dropped event stream is resumed; the SDK's names and defaults. */
export interface ReconnectionOptions {
  /** Milliseconds before the first attempt, unless the server sent `retry:`. */
  initialReconnectionDelay: number;
  /** The longest wait between attempts. */
  maxReconnectionDelay: number;
  /** How much each wait grows. */
  reconnectionDelayGrowFactor: number;
  /** Failed attempts to reopen a stream before it is given up. */
  maxRetries: number;
}

/**
 * The shortest wait before a stream is resumed, whatever `retry` the server
 * sends: a server that sends `retry: 0` and ends its streams at once would
 * otherwise be asked again as fast as the network allows.
 */
export const MIN_SERVER_RETRY_MS = 250;

/** One stream, with its resumptions: what it answers and what to tell when it is over. */
export interface StreamContext {
  /** Aborted when the stream is no longer wanted; ends it and every resumption. */
  exchange: AbortController;
  /** The request the stream answers; `undefined` for the session's GET stream. */
  id: RequestId | undefined;
  /** Told when the stream ended without being aborted, once resumption is given up. */
  onEnd: (() => void) | undefined;
}

/** Options for {@linkcode AnswerStreams}. */
export interface AnswerStreamsOptions {
  /** The MCP endpoint. */
  url: URL;
  /** Signs and sends each GET. */
  fetch: FetchLike;
  /** The headers of every request to the endpoint (session, version, `--header`). */
  headers: () => HeaderRecord;
  /** How dropped streams are resumed. */
  reconnection: ReconnectionOptions;
  /** The longest line accepted. */
  maxLineBytes: number;
  /** Each message the server sent. */
  deliver: (message: JSONRPCMessage) => void;
  /** Each failure: an event that is not a JSON-RPC message, a stream cut or not reopened. */
  fail: (error: Error) => void;
  /** A stream cut at a line over the limit, by the request it answered. */
  overlong: (id: RequestId | undefined, limit: number) => void;
  /** A stream is over, with every resumption: its exchange may be forgotten. */
  finished: (exchange: AbortController) => void;
}

/**
 * Reads and resumes the server's event streams; see the module doc.
 *
 * @example
 * ```ts
 * import { AnswerStreams } from "./answer_streams.ts";
 * import { SSE_RECONNECTION } from "../../retry_policy.ts";
 * const messages: unknown[] = [];
 * const streams = new AnswerStreams({
 *   url: new URL("http://127.0.0.1:9/mcp"), fetch, headers: () => ({}),
 *   reconnection: SSE_RECONNECTION, maxLineBytes: 1024,
 *   deliver: (m) => messages.push(m), fail: () => {}, overlong: () => {}, finished: () => {},
 * });
 * const body = new Response('data: {"jsonrpc":"2.0","id":1,"result":{}}\n\n').body!;
 * await streams.read(body, { exchange: new AbortController(), id: 1, onEnd: undefined }, false);
 * messages.length; // 1
 * ```
 */
export class AnswerStreams {
  #o: AnswerStreamsOptions;
  /** The server's `retry:`, which replaces the backoff once sent. */
  #retryMs: number | undefined;

  /** Streams of `options.url`; none open yet. */
  constructor(options: AnswerStreamsOptions) {
    this.#o = options;
  }

  /**
   * GETs the event stream of `context`, from after `lastEventId` when given
   * (with none, the session's GET stream); rejects when it cannot be opened.
   */
  async resume(context: StreamContext, lastEventId: string | undefined): Promise<void> {
    const headers = this.#o.headers();
    headers.accept = "text/event-stream";
    if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
    const response = await this.#o.fetch(this.#o.url, {
      method: "GET",
      headers,
      signal: context.exchange.signal,
    });
    if (!response.ok && response.status !== 405) {
      // The body's start goes into the error: a 400 may say the session is gone.
      const text = await bodyStart(response);
      throw new SdkHttpError(
        SdkErrorCode.ClientHttpFailedToOpenStream,
        `Failed to open SSE stream: ${text || response.statusText}`,
        { status: response.status, statusText: response.statusText, text },
      );
    }
    if (!response.ok || !response.body) {
      // The server offers no GET stream (405), or an empty one: nothing more will come here.
      await response.body?.cancel().catch(() => {});
      this.#o.finished(context.exchange);
      return context.onEnd?.();
    }
    void this.read(response.body, context, true);
  }

  /**
   * Reads one event stream to its end. A stream that may still carry its
   * answer (`resumable`: a GET stream; or one with event ids) is resumed;
   * any other end is told through `context.onEnd`, unless it was aborted.
   */
  async read(
    body: ReadableStream<Uint8Array>,
    context: StreamContext,
    resumable: boolean,
  ): Promise<void> {
    let lastEventId: string | undefined;
    let answered = false;
    const aborted = () => context.exchange.signal.aborted;
    let end: "ended" | "overlong" | "failed";
    try {
      end = await readEventStream(body, this.#o.maxLineBytes, {
        onRetry: (ms) => this.#retryMs = ms,
        onEvent: (event) => {
          if (event.id) lastEventId = event.id;
          if (!event.data || (event.event && event.event !== "message")) return;
          let message: JSONRPCMessage;
          try {
            message = parseJSONRPCMessage(JSON.parse(event.data));
          } catch (error) {
            return this.#o.fail(asError(error));
          }
          if (isResponse(message)) answered = true;
          this.#o.deliver(message);
        },
      });
    } catch (error) {
      if (aborted()) return;
      this.#o.fail(new Error(`SSE stream disconnected: ${asError(error).message}`));
      end = "failed";
    }
    if (aborted()) return;
    if (end === "overlong") {
      // Not resumed: the same line would come again.
      this.#o.finished(context.exchange);
      return this.#o.overlong(context.id, this.#o.maxLineBytes);
    }
    if (lastEventId !== undefined && !headerSafe(lastEventId) && !answered) {
      // Sent back as it is, it would make fetch throw, or go out as other bytes than those signed.
      this.#o.fail(
        new Error(
          `the server's event id cannot be sent back in Last-Event-ID (only printable ASCII can), so its stream ${
            resumable ? "is opened again from now" : "is not resumed"
          }`,
        ),
      );
      lastEventId = undefined;
    }
    if ((resumable || lastEventId !== undefined) && !answered) {
      return this.#reconnect(context, lastEventId, 0);
    }
    this.#o.finished(context.exchange);
    context.onEnd?.();
  }

  /** Resumes the stream of `context` after a wait, up to the reconnection limit. */
  #reconnect(context: StreamContext, lastEventId: string | undefined, attempt: number): void {
    const { maxRetries, initialReconnectionDelay, reconnectionDelayGrowFactor } =
      this.#o.reconnection;
    if (attempt >= maxRetries) {
      this.#o.finished(context.exchange);
      this.#o.fail(new Error(`Maximum reconnection attempts (${maxRetries}) exceeded.`));
      return context.onEnd?.();
    }
    const wait = this.#retryMs === undefined
      ? Math.min(
        initialReconnectionDelay * reconnectionDelayGrowFactor ** attempt,
        this.#o.reconnection.maxReconnectionDelay,
      )
      : Math.max(MIN_SERVER_RETRY_MS, this.#retryMs);
    const signal = context.exchange.signal;
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      this.resume(context, lastEventId).catch((error) => {
        if (signal.aborted) return;
        // An HTTP refusal is reported as it is, so that a lost session is seen as one (and renewed).
        this.#o.fail(
          error instanceof SdkHttpError
            ? error
            : new Error(`Failed to reconnect SSE stream: ${asError(error).message}`),
        );
        this.#reconnect(context, lastEventId, attempt + 1);
      });
    }, wait);
    const stop = () => clearTimeout(timer);
    signal.addEventListener("abort", stop, { once: true });
  }
}
