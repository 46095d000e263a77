/**
 * The client side of MCP's Streamable HTTP transport, as the proxy runs it:
 * each message is a POST whose answer comes as JSON or as an event stream;
 * a stream with event ids is resumed by a GET with `Last-Event-ID`; a
 * session listens on a GET stream once initialized and ends with a DELETE.
 * It behaves as the SDK's `StreamableHTTPClientTransport` does (its errors
 * and its seams: `requestSignal`, `onRequestStreamEnd`) without what the
 * proxy never uses (OAuth, redirects: the signer follows none).
 *
 * Why not the SDK's: it reads every answer through two stream transforms
 * (`TextDecoderStream`, then `EventSourceParserStream`), which cost more per
 * call than all of the proxy's own work (`bench/http_client_cost.ts`,
 * docs/performance.md). Here the body is read straight into the same SSE
 * parser (`event_stream.ts`), with the line limit applied on the way.
 *
 * @module
 */
import {
  type FetchLike,
  type JSONRPCMessage,
  parseJSONRPCMessage,
  type RequestId,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
} from "../../mcp_sdk.ts";
import type { RemoteSendOptions, SessionTransport } from "./remote_transport.ts";
import { isRequest, isResponse } from "../../jsonrpc/message_kind.ts";
import { MAX_MESSAGE_BYTES } from "../../jsonrpc/limits.ts";
import { readChunks } from "../chunk_reader.ts";
import { readEventStream } from "./event_stream.ts";
import { isStatelessRequest, standardHeaders } from "./mcp_headers.ts";

/** How a dropped event stream with an event id is resumed; the SDK's names and defaults. */
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

/** Options for {@linkcode StreamableHttp}. */
export interface StreamableHttpOptions {
  /** Signs and sends each HTTP request. */
  fetch: FetchLike;
  /** Headers sent with every request (`--header`); the transport's own take precedence. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** How dropped streams are resumed. */
  reconnection: ReconnectionOptions;
  /** The longest SSE line or JSON body accepted; {@linkcode MAX_MESSAGE_BYTES} unless given. */
  maxLineBytes?: number;
}

/** Headers a per-request `headers` option may not set: the transport derives them. */
const RESERVED = new Set([
  "authorization",
  "content-type",
  "mcp-protocol-version",
  "mcp-method",
  "mcp-name",
  "mcp-session-id",
]);

/** One exchange under way (a POST and its stream, a GET stream, a DELETE): aborted at close. */
type Exchange = AbortController;

/** A stream's identity and what to tell when it ends. */
interface StreamContext {
  /** The exchange the stream belongs to, for its resumptions too. */
  exchange: Exchange;
  /** The request the stream answers; `undefined` for the session's GET stream. */
  id: RequestId | undefined;
  /** Told when the stream ended without being aborted, once resumption is given up. */
  onEnd: (() => void) | undefined;
}

/**
 * The proxy's Streamable HTTP client transport; see the module doc.
 *
 * @example
 * ```ts
 * import { StreamableHttp } from "./streamable_http.ts";
 * import { SSE_RECONNECTION } from "../../retry_policy.ts";
 * const transport = new StreamableHttp(new URL("http://127.0.0.1:9/mcp"), {
 *   fetch,
 *   reconnection: SSE_RECONNECTION,
 * });
 * transport.sessionId; // undefined until initialized
 * ```
 */
export class StreamableHttp implements SessionTransport {
  /** Called with every message from the server. */
  onmessage?: (message: JSONRPCMessage) => void;
  /** Called with each failure, including those `send` throws. */
  onerror?: (error: Error) => void;
  /** Called once, when closed. */
  onclose?: () => void;
  /** Called when the stream of request `id` was cut at a line over `limit` bytes. */
  onoverlong?: (id: RequestId | undefined, limit: number) => void;

  #url: URL;
  #options: StreamableHttpOptions;
  #max: number;
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  /** The server's `retry:`, which replaces the backoff once sent. */
  #retryMs: number | undefined;
  #open = new Set<Exchange>();
  #closed = false;

  /** A transport to `url`; nothing is sent until the first {@linkcode StreamableHttp.send}. */
  constructor(url: URL, options: StreamableHttpOptions) {
    this.#url = url;
    this.#options = options;
    this.#max = options.maxLineBytes ?? MAX_MESSAGE_BYTES;
  }

  /** The `Mcp-Session-Id` the server assigned at `initialize`, if any. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Nothing to open: each message is its own HTTP request. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Sets the `mcp-protocol-version` header sent from now on; the empty string sends none. */
  setProtocolVersion(version: string): void {
    this.#protocolVersion = version || undefined;
  }

  /**
   * POSTs `message`. Resolves once the server has accepted it: the answer to
   * a request comes through `onmessage`, at once for a JSON body, as its
   * event stream is read otherwise.
   */
  async send(message: JSONRPCMessage, options: RemoteSendOptions = {}): Promise<void> {
    const exchange = this.#begin(options.requestSignal);
    let streaming = false;
    try {
      const headers = this.#headers(message, "application/json, text/event-stream");
      for (const [name, value] of Object.entries(standardHeaders(message) ?? {})) {
        headers.set(name, value);
      }
      for (const [name, value] of Object.entries(options.headers ?? {})) {
        if (!RESERVED.has(name.toLowerCase())) headers.set(name, value);
      }
      headers.set("content-type", "application/json");
      const response = await this.#options.fetch(this.#url, {
        method: "POST",
        headers,
        body: JSON.stringify(message),
        signal: exchange.signal,
      });
      const request = isRequest(message) ? message : undefined;
      if (request?.method === "initialize" && response.ok) {
        this.#sessionId = response.headers.get("mcp-session-id") || undefined;
      }
      if (!response.ok) {
        const text = await response.text().catch(() => null);
        const refusal = request && response.status === 400 && isStatelessRequest(request)
          ? errorFor(text, request.id)
          : undefined;
        if (refusal) return this.onmessage?.(refusal);
        throw new SdkHttpError(
          SdkErrorCode.ClientHttpNotImplemented,
          `Error POSTing to endpoint: ${unfollowed(this.#url, response) ?? text}`,
          { status: response.status, statusText: response.statusText, text },
        );
      }
      if (response.status === 202 || !request) {
        await response.body?.cancel().catch(() => {});
        const initialized = "method" in message && message.method === "notifications/initialized";
        if (response.status === 202 && initialized) this.#listen();
        return;
      }
      const type = mediaType(response.headers.get("content-type"));
      if (type === "text/event-stream" && response.body) {
        streaming = true;
        const context = { exchange, id: request.id, onEnd: options.onRequestStreamEnd };
        void this.#readStream(response.body, context, false);
      } else if (type === "application/json" && response.body) {
        const data = JSON.parse(await readBounded(response.body, this.#max));
        for (const item of Array.isArray(data) ? data : [data]) {
          this.onmessage?.(parseJSONRPCMessage(item));
        }
      } else {
        await response.body?.cancel().catch(() => {});
        throw new SdkError(
          SdkErrorCode.ClientHttpUnexpectedContent,
          `Unexpected content type: ${response.headers.get("content-type")}`,
        );
      }
    } catch (error) {
      if (options.requestSignal?.aborted !== true) this.onerror?.(asError(error));
      throw error;
    } finally {
      if (!streaming) this.#open.delete(exchange);
    }
  }

  /** Ends the session with a DELETE (a 405 means the server keeps it); nothing without one. */
  async terminateSession(): Promise<void> {
    if (!this.#sessionId) return;
    const exchange = this.#begin(undefined);
    try {
      const response = await this.#options.fetch(this.#url, {
        method: "DELETE",
        headers: this.#headers(undefined, undefined),
        signal: exchange.signal,
      });
      await response.body?.cancel().catch(() => {});
      if (!response.ok && response.status !== 405) {
        throw new SdkHttpError(
          SdkErrorCode.ClientHttpFailedToTerminateSession,
          `Failed to terminate session: ${response.statusText}`,
          { status: response.status, statusText: response.statusText },
        );
      }
      this.#sessionId = undefined;
    } catch (error) {
      this.onerror?.(asError(error));
      throw error;
    } finally {
      this.#open.delete(exchange);
    }
  }

  /** Aborts every exchange and resumption under way. */
  close(): Promise<void> {
    this.#closed = true;
    for (const exchange of this.#open) exchange.abort();
    this.#open.clear();
    this.onclose?.();
    return Promise.resolve();
  }

  /** A new exchange, aborted with `requestSignal` (which stays the caller's) or at close. */
  #begin(requestSignal: AbortSignal | undefined): Exchange {
    const exchange = new AbortController();
    if (this.#closed || requestSignal?.aborted) exchange.abort();
    else {
      requestSignal?.addEventListener("abort", () => exchange.abort(), { once: true });
      this.#open.add(exchange);
    }
    return exchange;
  }

  /** The headers every request carries: `--header`, the session, the version, `accept`. */
  #headers(message: JSONRPCMessage | undefined, accept: string | undefined): Headers {
    const headers = new Headers(this.#options.headers);
    const initialize = message !== undefined && "method" in message &&
      message.method === "initialize";
    if (this.#sessionId && !initialize) headers.set("mcp-session-id", this.#sessionId);
    if (this.#protocolVersion) headers.set("mcp-protocol-version", this.#protocolVersion);
    if (accept) headers.set("accept", accept);
    return headers;
  }

  /** Opens the session's GET stream, for what the server sends outside any request. */
  #listen(): void {
    const exchange = this.#begin(undefined);
    this.#resume({ exchange, id: undefined, onEnd: undefined }, undefined).catch((error) => {
      this.#open.delete(exchange);
      if (!exchange.signal.aborted) this.onerror?.(asError(error));
    });
  }

  /** GETs the event stream of `context`, from after `lastEventId` when given. */
  async #resume(context: StreamContext, lastEventId: string | undefined): Promise<void> {
    const headers = this.#headers(undefined, "text/event-stream");
    if (lastEventId !== undefined) headers.set("last-event-id", lastEventId);
    const response = await this.#options.fetch(this.#url, {
      method: "GET",
      headers,
      signal: context.exchange.signal,
    });
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => {});
      if (response.status === 405 || response.ok) {
        // The server offers no GET stream (or an empty one): nothing more will come here.
        this.#open.delete(context.exchange);
        return context.onEnd?.();
      }
      throw new SdkHttpError(
        SdkErrorCode.ClientHttpFailedToOpenStream,
        `Failed to open SSE stream: ${response.statusText}`,
        { status: response.status, statusText: response.statusText },
      );
    }
    void this.#readStream(response.body, context, true);
  }

  /**
   * Reads one event stream to its end. A stream that may still carry its
   * answer (a GET stream, or one with event ids) is resumed; any other end
   * is told through `context.onEnd`, unless the exchange was aborted.
   */
  async #readStream(
    body: ReadableStream<Uint8Array>,
    context: StreamContext,
    resumable: boolean,
  ): Promise<void> {
    let lastEventId: string | undefined;
    let answered = false;
    const aborted = () => context.exchange.signal.aborted;
    let end: "ended" | "overlong" | "failed";
    try {
      end = await readEventStream(body, this.#max, {
        onRetry: (ms) => this.#retryMs = ms,
        onEvent: (event) => {
          if (event.id) lastEventId = event.id;
          if (!event.data || (event.event && event.event !== "message")) return;
          let message: JSONRPCMessage;
          try {
            message = parseJSONRPCMessage(JSON.parse(event.data));
          } catch (error) {
            return this.onerror?.(asError(error));
          }
          if (isResponse(message)) answered = true;
          this.onmessage?.(message);
        },
      });
    } catch (error) {
      if (aborted()) return;
      this.onerror?.(new Error(`SSE stream disconnected: ${asError(error).message}`));
      end = "failed";
    }
    if (aborted()) return;
    if (end === "overlong") {
      // Not resumed: the same line would come again.
      this.#open.delete(context.exchange);
      return this.onoverlong?.(context.id, this.#max);
    }
    if ((resumable || lastEventId !== undefined) && !answered && !this.#closed) {
      return this.#reconnect(context, lastEventId, 0);
    }
    this.#open.delete(context.exchange);
    context.onEnd?.();
  }

  /** Resumes the stream of `context` after a wait, up to the reconnection limit. */
  #reconnect(context: StreamContext, lastEventId: string | undefined, attempt: number): void {
    const {
      maxRetries,
      initialReconnectionDelay,
      reconnectionDelayGrowFactor,
      maxReconnectionDelay,
    } = this.#options.reconnection;
    if (attempt >= maxRetries) {
      this.#open.delete(context.exchange);
      this.onerror?.(new Error(`Maximum reconnection attempts (${maxRetries}) exceeded.`));
      return context.onEnd?.();
    }
    const wait = this.#retryMs ??
      Math.min(
        initialReconnectionDelay * reconnectionDelayGrowFactor ** attempt,
        maxReconnectionDelay,
      );
    const signal = context.exchange.signal;
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      if (signal.aborted) return;
      this.#resume(context, lastEventId).catch((error) => {
        if (signal.aborted) return;
        this.onerror?.(new Error(`Failed to reconnect SSE stream: ${asError(error).message}`));
        this.#reconnect(context, lastEventId, attempt + 1);
      });
    }, wait);
    const stop = () => clearTimeout(timer);
    signal.addEventListener("abort", stop, { once: true });
  }
}

/** The media type of a `content-type` value, lower-cased, without parameters. */
function mediaType(contentType: string | null): string | undefined {
  return contentType?.split(";", 1)[0]?.trim().toLowerCase();
}

/**
 * What a redirect the signer did not follow points to, for the error text: a
 * signed request is never sent elsewhere, but the user may mean that URL.
 */
function unfollowed(url: URL, response: Response): string | undefined {
  const location = response.status >= 300 && response.status < 400
    ? response.headers.get("location")
    : null;
  if (location === null) return undefined;
  let target: URL;
  try {
    target = new URL(location, url);
  } catch {
    return undefined;
  }
  target.username =
    target.password =
    target.search =
    target.hash =
      "";
  if (target.protocol === "http:" && url.protocol === "https:") {
    target.protocol = "https:";
    return `Redirect from https to plain http not followed; try ${target.href} as the endpoint`;
  }
  return `Redirect to ${target.href} not followed; use that URL as the endpoint if it is the intended server`;
}

/** `error` as an `Error`. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The body as text, failing once it grows past `maxBytes`. */
async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const reader = readChunks(body);
  const decoder = new TextDecoder();
  let text = "";
  let total = 0;
  for (let bytes = await reader.read(); bytes !== undefined; bytes = await reader.read()) {
    total += bytes.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new RangeError(`the server's answer is longer than the ${maxBytes} byte limit`);
    }
    text += decoder.decode(bytes, { stream: true });
  }
  return text + decoder.decode();
}

/** The JSON-RPC error for request `id` that `text` (an HTTP 400's body) is, if it is one. */
function errorFor(text: string | null, id: RequestId): JSONRPCMessage | undefined {
  if (text === null) return undefined;
  try {
    const message = parseJSONRPCMessage(JSON.parse(text));
    return "error" in message && message.id === id ? message : undefined;
  } catch {
    return undefined;
  }
}
