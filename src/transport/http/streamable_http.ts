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
import { isRequest } from "../../jsonrpc/message_kind.ts";
import { asError } from "../../log.ts";
import { MAX_MESSAGE_BYTES } from "../../jsonrpc/limits.ts";
import {
  bodyStart,
  errorAnswerFor,
  mediaType,
  readBounded,
  unfollowedRedirect,
} from "./http_response.ts";
import { AnswerStreams, type ReconnectionOptions } from "./answer_streams.ts";
import {
  type HeaderRecord,
  headerSafe,
  isStatelessRequest,
  standardHeaders,
} from "./mcp_headers.ts";

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
  /** `options.headers`, with lower-case names. */
  #base: HeaderRecord;
  #max: number;
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  #streams: AnswerStreams;
  #open = new Set<Exchange>();
  #closed = false;

  /** A transport to `url`; nothing is sent until the first {@linkcode StreamableHttp.send}. */
  constructor(url: URL, options: StreamableHttpOptions) {
    this.#url = url;
    this.#options = options;
    this.#base = Object.fromEntries(
      Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    this.#max = options.maxLineBytes ?? MAX_MESSAGE_BYTES;
    this.#streams = new AnswerStreams({
      url,
      fetch: options.fetch,
      headers: () => this.#headers(undefined, undefined),
      reconnection: options.reconnection,
      maxLineBytes: this.#max,
      deliver: (message) => this.onmessage?.(message),
      fail: (error) => this.onerror?.(error),
      overlong: (id, limit) => this.onoverlong?.(id, limit),
      finished: (exchange) => this.#open.delete(exchange),
    });
  }

  /** The `Mcp-Session-Id` the server assigned at `initialize`, if any. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Nothing to open: each message is its own HTTP request. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Sets the `mcp-protocol-version` header sent from now on; the empty string
   * sends none, and so does a version (the server's choice) that no header
   * can carry, which is reported.
   */
  setProtocolVersion(version: string): void {
    if (version && !headerSafe(version)) {
      this.onerror?.(
        new Error(
          "the protocol version the server chose cannot be sent in the MCP-Protocol-Version header (only printable ASCII can); requests go without it",
        ),
      );
      version = "";
    }
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
      Object.assign(headers, standardHeaders(message));
      for (const [name, value] of Object.entries(options.headers ?? {})) {
        const key = name.toLowerCase();
        if (!RESERVED.has(key)) headers[key] = value;
      }
      headers["content-type"] = "application/json";
      const response = await this.#options.fetch(this.#url, {
        method: "POST",
        headers,
        body: JSON.stringify(message),
        signal: exchange.signal,
      });
      const request = isRequest(message) ? message : undefined;
      if (request?.method === "initialize" && response.ok) {
        const session = response.headers.get("mcp-session-id") || undefined;
        // Sent back on every request and signed: MCP allows visible ASCII only, and other bytes
        // would not go out as they were signed.
        if (session !== undefined && !/^[\x21-\x7e]+$/.test(session)) {
          await response.body?.cancel().catch(() => {});
          throw new SdkError(
            SdkErrorCode.ClientHttpUnexpectedContent,
            "The server's Mcp-Session-Id is not visible ASCII, as MCP requires, so it cannot be sent back",
          );
        }
        this.#sessionId = session;
      }
      if (!response.ok) {
        const text = await bodyStart(response);
        const refusal = request && response.status === 400 && isStatelessRequest(request)
          ? errorAnswerFor(text, request.id)
          : undefined;
        if (refusal) return this.onmessage?.(refusal);
        throw new SdkHttpError(
          SdkErrorCode.ClientHttpNotImplemented,
          `Error POSTing to endpoint: ${unfollowedRedirect(this.#url, response) ?? text}`,
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
        void this.#streams.read(response.body, context, false);
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

  /**
   * The headers every request carries: `--header`, the session, the version,
   * `accept`. A plain record with lower-case names, not a `Headers`: the
   * signer and fetch each read it once, where a `Headers` would be checked
   * again at every copy.
   */
  #headers(message: JSONRPCMessage | undefined, accept: string | undefined): HeaderRecord {
    const headers: HeaderRecord = { ...this.#base };
    const initialize = message !== undefined && "method" in message &&
      message.method === "initialize";
    if (this.#sessionId && !initialize) headers["mcp-session-id"] = this.#sessionId;
    if (this.#protocolVersion) headers["mcp-protocol-version"] = this.#protocolVersion;
    if (accept) headers.accept = accept;
    return headers;
  }

  /** Opens the session's GET stream, for what the server sends outside any request. */
  #listen(): void {
    const exchange = this.#begin(undefined);
    this.#streams.resume({ exchange, id: undefined, onEnd: undefined }, undefined).catch(
      (error) => {
        this.#open.delete(exchange);
        if (!exchange.signal.aborted) this.onerror?.(asError(error));
      },
    );
  }
}
