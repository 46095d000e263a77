/**
 * Joins the client-side transport (stdio) to the server-side transport
 * (Streamable HTTP, signed) and applies the tool policy in between. Every
 * other message passes through unchanged.
 *
 * Every request the client sends is answered exactly once: by the backend,
 * by the policy, or by an error when it cannot be forwarded, times out or the
 * proxy shuts down.
 *
 * @module
 */
import {
  ErrorCode,
  type JSONRPCErrorResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResultResponse,
  type ListToolsResult,
  type RequestId,
  type Result,
  type Tool,
} from "../mcp_sdk.ts";
import type { Transport } from "../mcp_sdk.ts";
import { ArgumentValidator } from "./tools/arg_validator.ts";
import {
  cancelledRequestId,
  isErrorResponse,
  isNotification,
  isRequest,
  isResponse,
} from "../jsonrpc/message_kind.ts";
import { describeError, type Logger } from "../log.ts";
import { classifyRemoteError, type ErrorContext } from "./remote_errors.ts";
import type { ResponseTap } from "../transport/http/response_tap.ts";
import type { RemoteTransport } from "../transport/http/renewing_remote.ts";
import { withMetadata } from "./request_extras.ts";
import { fromUpstream, isEscaped, isOwnId, ownId, toUpstream } from "../jsonrpc/request_ids.ts";
import { ToolCatalog } from "./tools/tool_catalog.ts";
import {
  admissibleTools,
  allowsEverything,
  filterTools,
  hidesEverything,
  judgeToolCall,
  type ToolPolicy,
} from "./tools/tool_filter.ts";

/** The client-side transport: {@linkcode StdioTransport} fits. */
export interface LocalTransport extends Transport {
  /** Writes one message given as its UTF-8 bytes in pieces, as one line. */
  writeLine(pieces: readonly Uint8Array[]): void;
  /** Why the transport closed, once it has. */
  readonly closeReason?: string | undefined;
}

/** What {@linkcode McpProxy} joins and the rules it applies. */
export interface McpProxyOptions {
  /** The client side: the stdio transport. */
  local: LocalTransport;
  /** The backend side, such as the SDK's `StreamableHTTPClientTransport` with a signing fetch. */
  remote: RemoteTransport;
  /** Which tools are listed and callable. */
  policy: ToolPolicy;
  /** Merged into `params._meta` of every request sent to the backend. */
  metadata: Readonly<Record<string, string>>;
  /** Milliseconds a request may wait for the backend before the client gets an error. */
  timeoutMs: number;
  /** Names the endpoint, scope and profile in error messages. */
  errorContext: ErrorContext;
  /** Where the proxy says what it does. */
  logger: Logger;
  /** Scrubs secrets from every error text the client gets; none by default. */
  redact?: (text: string) => string;
  /**
   * The tap in the remote's fetch that holds answers to pass on as the
   * backend's own bytes, when there is one.
   */
  tap?: ResponseTap;
}

interface Pending {
  method: string;
  timer: ReturnType<typeof setTimeout>;
}

interface Waiter {
  resolve(result: Result): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Requests whose answers the proxy reads: all others may pass on unread. */
const READ_ANSWERS = new Set(["initialize", "tools/list"]);
/** How long shutdown waits for requests still in flight before it answers them itself. */
const SHUTDOWN_GRACE_MS = 1500;
/** How long shutdown waits for the DELETE that ends the session. */
const TERMINATE_TIMEOUT_MS = 2000;

/** A JSON-RPC error reply to request `id`. */
function errorReply(id: RequestId, code: number, message: string, data?: unknown): JSONRPCMessage {
  const error = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: "2.0", id, error };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A stdio-to-Streamable-HTTP MCP proxy with a tool policy; see the module doc. */
export class McpProxy {
  #local: LocalTransport;
  #remote: RemoteTransport;
  #options: McpProxyOptions;
  #log: Logger;
  #pending = new Map<RequestId, Pending>();
  #own = new Map<string, Waiter>();
  #ownSeq = 0;
  /** What the client sent while its initialize was in flight, to forward once it is answered. */
  #held: JSONRPCMessage[] | undefined;
  #catalog: ToolCatalog;
  #validator = new ArgumentValidator();
  #serverHasTools = false;
  /** The exposed tools as last loaded, to tell whether a reload changed them. */
  #visibleKey = "";
  #closing: Promise<void> | undefined;
  #closed = Promise.withResolvers<void>();

  /** Joins the two transports; nothing flows until {@linkcode McpProxy.start}. */
  constructor(options: McpProxyOptions) {
    this.#options = options;
    this.#local = options.local;
    this.#remote = options.remote;
    this.#log = options.logger;
    this.#catalog = new ToolCatalog(
      (cursor) =>
        this.#ownRequest("tools/list", cursor === undefined ? {} : { cursor }) as Promise<
          ListToolsResult
        >,
      (tools) => this.#reportHidden(tools),
    );
  }

  /** Resolves when the proxy has shut down. */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /** Starts both transports and begins forwarding. */
  async start(): Promise<void> {
    this.#local.onmessage = (message) => this.#fromClient(message);
    this.#remote.onmessage = (message) => this.#fromBackend(message);
    this.#local.onerror = (error) => this.#clientError(error);
    this.#remote.onerror = (error) => this.#log.debug(`backend transport: ${describeError(error)}`);
    this.#local.onclose = () =>
      void this.shutdown(this.#local.closeReason ?? "the client transport closed");
    this.#remote.onrenewing = () => this.#afterRenewal();
    await this.#remote.start();
    await this.#local.start();
  }

  /**
   * Whether `message` may be sent to the backend a second time when it is not
   * known whether the first reached it: everything but a `tools/call`, and a
   * `tools/call` only of a tool annotated read-only or idempotent.
   */
  safeToRepeat(message: JSONRPCMessage | JSONRPCMessage[]): boolean {
    if (Array.isArray(message)) return message.every((m) => this.safeToRepeat(m));
    if (!isRequest(message) || message.method !== "tools/call") return true;
    const name = (message.params as { name?: unknown } | undefined)?.name;
    const annotations = typeof name === "string" ? this.#catalog.get(name)?.annotations : undefined;
    return annotations?.readOnlyHint === true || annotations?.idempotentHint === true;
  }

  /**
   * Whether the answer to request `id` may reach the client as the backend's
   * own bytes: it is awaited, and no policy reads it.
   */
  takesUnread(id: RequestId): boolean {
    // Held bytes carry the id they came under; an escaped id must be restored first.
    if (isEscaped(fromUpstream(id))) return false;
    const pending = this.#pending.get(id);
    return pending !== undefined && !READ_ANSWERS.has(pending.method);
  }

  /**
   * Shuts down once: lets requests in flight finish for a short grace, answers
   * the rest with an error, ends the backend session with a DELETE and closes
   * both transports.
   */
  shutdown(reason: string): Promise<void> {
    this.#closing ??= this.#shutdown(reason);
    return this.#closing;
  }

  async #shutdown(reason: string): Promise<void> {
    this.#log.info(`shutting down: ${reason}`);
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (this.#pending.size > 0 && Date.now() < deadline) await delay(10);
    for (const id of [...this.#pending.keys()]) {
      this.#answer(
        id,
        errorReply(
          id,
          ErrorCode.ConnectionClosed,
          `The proxy shut down (${reason}) before the server answered`,
        ),
      );
    }
    for (const id of [...this.#own.keys()]) {
      this.#takeOwn(id)?.reject(new Error("the proxy shut down"));
    }
    try {
      await Promise.race([
        this.#remote.terminateSession(),
        delay(TERMINATE_TIMEOUT_MS).then(() => {
          throw new Error(`no answer within ${TERMINATE_TIMEOUT_MS} ms`);
        }),
      ]);
    } catch (error) {
      this.#log.debug(`ending the backend session failed: ${describeError(error)}`);
    }
    await this.#remote.close().catch(() => {});
    this.#local.onclose = undefined;
    await this.#local.close().catch(() => {});
    this.#closed.resolve();
  }

  // ---- client -> backend ----

  #fromClient(message: JSONRPCMessage): void {
    if (this.#closing) {
      if (isRequest(message)) {
        void this.#local.send(
          errorReply(message.id, ErrorCode.ConnectionClosed, "The proxy is shutting down"),
        );
      }
      return;
    }
    if (this.#held) {
      // The backend session starts with the initialize answer; nothing may overtake it.
      this.#held.push(message);
      return;
    }
    if (isRequest(message)) {
      // From here on the request goes by the id it has upstream; #answer restores the client's.
      const request = isEscaped(message.id) ? { ...message, id: toUpstream(message.id) } : message;
      this.#track(request);
      if (request.method === "initialize") this.#held = [];
      if (request.method === "tools/call") void this.#guardToolCall(request);
      else this.#forward(request);
      return;
    }
    if (
      isNotification(message) && message.method === "tools/call" &&
      !allowsEverything(this.#options.policy)
    ) {
      // A call sent without an id cannot be answered, but it would still run upstream.
      const name = (message.params as { name?: unknown } | undefined)?.name;
      this.#log.warn(
        `dropped a tools/call of ${
          JSON.stringify(name ?? null)
        } sent as a notification (no id): a tool filter applies, and such a call is never forwarded`,
      );
      return;
    }
    const cancelled = cancelledRequestId(message);
    if (cancelled !== undefined) {
      const upstream = toUpstream(cancelled);
      this.#untrack(upstream);
      if (upstream !== cancelled && isNotification(message)) {
        message = { ...message, params: { ...message.params, requestId: upstream } };
      }
    }
    this.#remote.send(message).then(
      () => {
        if (isNotification(message) && message.method === "notifications/initialized") {
          this.#discoverTools();
        }
      },
      (error) =>
        this.#log.warn(
          `could not forward ${describeMessage(message)}: ${this.#explain(error).message}`,
        ),
    );
  }

  #track(request: JSONRPCRequest): void {
    const id = request.id;
    const timer = setTimeout(() => {
      this.#log.warn(
        `${request.method} (id ${JSON.stringify(id)}) got no answer within ${
          this.#options.timeoutMs / 1000
        } s`,
      );
      this.#answer(
        id,
        errorReply(
          id,
          ErrorCode.RequestTimeout,
          `The server did not answer ${request.method} within ${
            this.#options.timeoutMs / 1000
          } s (--timeout); the request was cancelled. Try again, or raise --timeout if it needs longer`,
        ),
      );
      void this.#remote.send({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: id, reason: "timed out in the proxy" },
      }).catch(() => {});
    }, this.#options.timeoutMs);
    this.#pending.set(id, { method: request.method, timer });
  }

  #untrack(id: RequestId): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
    }
    return pending;
  }

  /**
   * Sends `reply` to the client under its own id if request `id` (as sent
   * upstream) is still waiting; never answers twice.
   */
  #answer(id: RequestId, reply: JSONRPCMessage): void {
    const pending = this.#untrack(id);
    if (!pending) return;
    const clientId = fromUpstream(id);
    this.#local.send(clientId === id ? reply : { ...reply, id: clientId } as JSONRPCMessage)
      .catch((error) => this.#log.error(`cannot write to the client: ${describeError(error)}`));
    if (pending.method === "initialize") this.#release();
  }

  /** Forwards, in order, what the client sent while its initialize was in flight. */
  #release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const message of held) this.#fromClient(message);
  }

  #forward(request: JSONRPCRequest): void {
    this.#remote.send(withMetadata(request, this.#options.metadata)).catch((error) => {
      const failure = this.#explain(error);
      this.#log.warn(`${request.method} failed: ${failure.message}`);
      this.#answer(
        request.id,
        errorReply(
          request.id,
          ErrorCode.InternalError,
          failure.message,
          failure.status === undefined ? undefined : { httpStatus: failure.status },
        ),
      );
    });
  }

  async #guardToolCall(request: JSONRPCRequest): Promise<void> {
    const refusal = await this.#judge(request);
    if (refusal) this.#answer(request.id, refusal);
    else this.#forward(request);
  }

  /**
   * Judges a `tools/call` again before it is sent on a new backend session,
   * whose server may offer other tools: the answer to give instead, or
   * `undefined` to send it. Any other request passes.
   */
  recheck(request: JSONRPCRequest): Promise<JSONRPCMessage | undefined> {
    if (request.method !== "tools/call") return Promise.resolve(undefined);
    return this.#judge(request);
  }

  /**
   * Judges a `tools/call` against the current tool list and its input schema:
   * the answer that refuses it, or `undefined` when it may be sent.
   */
  async #judge(request: JSONRPCRequest): Promise<JSONRPCMessage | undefined> {
    const params = (request.params ?? {}) as { name?: unknown; arguments?: unknown };
    if (typeof params.name !== "string") {
      return errorReply(
        request.id,
        ErrorCode.InvalidParams,
        "tools/call needs params.name, the tool's name",
      );
    }
    const name = params.name;
    let tool: Tool | undefined;
    if (this.#serverHasTools) {
      try {
        tool = await this.#currentTool(name);
      } catch (error) {
        const reason = `cannot load the server's tool list to judge tools/call ${name}: ${
          this.#explain(error).message
        }`;
        this.#log.warn(reason);
        if (!allowsEverything(this.#options.policy)) {
          return errorReply(request.id, ErrorCode.InternalError, `The proxy ${reason}. Try again`);
        }
      }
    }
    const verdict = judgeToolCall(name, tool, this.#options.policy);
    if (!verdict.allowed) {
      this.#log.info(`refused tools/call ${name}: ${verdict.message}`);
      return errorReply(request.id, ErrorCode.InvalidParams, verdict.message);
    }
    if (!tool) return undefined;
    const check = await this.#validator.check(tool, params.arguments);
    if (check.valid === false) {
      this.#log.info(check.message);
      return {
        jsonrpc: "2.0",
        id: request.id,
        result: { content: [{ type: "text", text: check.message }], isError: true },
      };
    }
    if (check.valid === "unchecked") {
      this.#log.debug(`arguments of ${name} not checked: ${check.reason}`);
    }
    return undefined;
  }

  /**
   * The backend's current definition of `name`: waits, at most the request
   * timeout, for a tool list that reflects every change the backend announced.
   */
  async #currentTool(name: string): Promise<Tool | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const seconds = this.#options.timeoutMs / 1000;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`tools/list got no answer within ${seconds} s (--timeout)`)),
        this.#options.timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#catalog.lookup(name), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #clientError(error: Error): void {
    if (error.name === "InvalidLineError") {
      this.#log.warn(`refused a line from the client: ${error.message}`);
    } else this.#log.warn(`client transport: ${describeError(error)}`);
  }

  // ---- backend -> client ----

  #fromBackend(message: JSONRPCMessage): void {
    if (isResponse(message)) {
      const id = message.id;
      if (id !== undefined && isOwnId(id)) {
        this.#settleOwn(id, message);
        return;
      }
      if (id === undefined) {
        void this.#local.send(message);
        return;
      }
      const held = this.#options.tap?.claim(message);
      if (held) {
        const pending = this.#untrack(id);
        if (!pending) return;
        const bytes = held.reduce((sum, piece) => sum + piece.length, 0);
        this.#log.debug(
          `${pending.method} (id ${JSON.stringify(id)}): ${bytes} bytes passed unparsed`,
        );
        this.#local.writeLine(held);
        return;
      }
      const pending = this.#pending.get(id);
      if (!pending) {
        this.#log.debug(
          `dropped a response for id ${JSON.stringify(id)}, which is no longer waiting`,
        );
        return;
      }
      let reply: JSONRPCMessage = message;
      if (!isErrorResponse(message)) {
        if (pending.method === "initialize") this.#initialized(message.result);
        else if (pending.method === "tools/list") {
          reply = { ...message, result: this.#filterList(message.result as ListToolsResult) };
        }
      }
      this.#answer(id, reply);
      return;
    }
    if (isNotification(message) && message.method === "notifications/tools/list_changed") {
      // Before the client hears of it: no call it sends from now on is judged on the old list.
      this.#log.info("the server's tool list changed; reloading it");
      this.#loadTools(this.#catalog.invalidate());
    }
    void this.#local.send(message);
  }

  #initialized(result: Result): void {
    const { protocolVersion, capabilities } = result as {
      protocolVersion?: unknown;
      capabilities?: { tools?: unknown };
    };
    if (typeof protocolVersion === "string") this.#remote.setProtocolVersion(protocolVersion);
    this.#serverHasTools = capabilities?.tools !== undefined;
  }

  #filterList(result: ListToolsResult): ListToolsResult {
    const { visible, hidden } = filterTools(result.tools, this.#options.policy);
    if (hidden.length === 0) return result;
    return { ...result, tools: visible };
  }

  // ---- the proxy's own requests ----

  #ownRequest(method: string, params: Record<string, unknown>): Promise<Result> {
    const id = ownId(++this.#ownSeq);
    const { promise, resolve, reject } = Promise.withResolvers<Result>();
    const timer = setTimeout(() => {
      this.#takeOwn(id)?.reject(
        new Error(`${method} got no answer within ${this.#options.timeoutMs / 1000} s`),
      );
    }, this.#options.timeoutMs);
    this.#own.set(id, { resolve, reject, timer });
    const request: JSONRPCRequest = { jsonrpc: "2.0", id, method, params };
    this.#remote.send(withMetadata(request, this.#options.metadata)).catch((error) =>
      this.#takeOwn(id)?.reject(error)
    );
    return promise;
  }

  /** Removes the waiter for one of the proxy's own requests and stops its timer. */
  #takeOwn(id: string): Waiter | undefined {
    const waiter = this.#own.get(id);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.#own.delete(id);
    }
    return waiter;
  }

  #settleOwn(id: string, message: JSONRPCResultResponse | JSONRPCErrorResponse): void {
    const waiter = this.#takeOwn(id);
    if (!waiter) return;
    if (isErrorResponse(message)) {
      waiter.reject(new Error(`${message.error.message} (code ${message.error.code})`));
    } else waiter.resolve(message.result);
  }

  #discoverTools(): void {
    if (!this.#serverHasTools) {
      this.#log.info("the server offers no tools");
      return;
    }
    this.#validator.prepare().catch((error) =>
      this.#log.warn(`cannot load the argument validator: ${describeError(error)}`)
    );
    this.#loadTools(this.#catalog.ensureLoaded());
  }

  /** A new backend session may offer other tools: reload them and tell the client if they changed. */
  #afterRenewal(): void {
    if (!this.#serverHasTools || !this.#catalog.loaded) return;
    const before = this.#visibleKey;
    this.#loadTools(
      this.#catalog.invalidate().then(() => {
        if (this.#visibleKey === before) return;
        this.#log.info("the new session offers other tools; telling the client");
        void this.#local.send({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      }),
    );
  }

  #loadTools(loading: Promise<void>): void {
    loading.catch((error) =>
      this.#log.warn(`cannot load the server's tool list: ${this.#explain(error).message}`)
    );
  }

  #reportHidden(tools: readonly Tool[]): void {
    const policy = this.#options.policy;
    const { visible, hidden } = filterTools(tools, policy);
    this.#visibleKey = JSON.stringify(visible);
    this.#log.info(
      `the server offers ${tools.length} tools; ${visible.length} exposed, ${hidden.length} hidden`,
    );
    if (hidden.length > 0) {
      this.#log.info(`hidden: ${hidden.map((h) => `${h.name} (${h.reason})`).join(", ")}`);
      const admissible = admissibleTools(tools, policy);
      if (admissible.length > 0) {
        this.#log.info(`--allow-tool would admit: ${admissible.join(", ")}`);
      }
    }
    const warning = hidesEverything(tools, policy);
    if (warning) this.#log.warn(warning);
  }

  #explain(error: unknown) {
    this.#log.debug(
      `backend error detail: ${
        error instanceof Error ? error.stack ?? error.message : String(error)
      }`,
    );
    const failure = classifyRemoteError(error, this.#options.errorContext);
    return { ...failure, message: this.#redact(failure.message) };
  }

  #redact(text: string): string {
    return this.#options.redact?.(text) ?? text;
  }
}

function describeMessage(message: JSONRPCMessage): string {
  if ("method" in message) return message.method;
  return "a response";
}
