/**
 * Joins the client-side transport (stdio) to the server-side transport
 * (Streamable HTTP, signed) and applies the tool gate in between. Every other
 * message passes through unchanged.
 *
 * Every request the client sends is answered exactly once: by the backend,
 * by the gate, or by an error when it cannot be forwarded, times out or the
 * proxy shuts down.
 *
 * @module
 */
import { setTimeout as delay } from "node:timers/promises";
import { ErrorCode, type JSONRPCMessage, type RequestId } from "../mcp_sdk.ts";
import { isErrorResponse, isNotification, isRequest, isResponse } from "../jsonrpc/message_kind.ts";
import { fromUpstream, isOwnId, toUpstream } from "../jsonrpc/request_ids.ts";
import { describeError, type Logger } from "../log.ts";
import type { LocalTransport } from "../transport/stdio/stdio_transport.ts";
import { errorReply } from "./errors.ts";
import { MAX_WAITING } from "./request_table.ts";
import { Exchange } from "./exchange.ts";
import type { RevisionBridge } from "./revision_bridge.ts";
import { Upstream, type UpstreamOptions } from "./upstream.ts";
import type { OwnRequests } from "./own_requests.ts";

/**
 * The parts {@linkcode McpProxy} joins: the client side, and what its send
 * side ({@linkcode UpstreamOptions}) works with.
 */
export interface McpProxyOptions
  extends Omit<UpstreamOptions, "answer" | "exchange" | "refuse" | "safely"> {
  /** The client side: the stdio transport. */
  local: LocalTransport;
  /** The proxy's own requests (the gate's tool list); attached to `remote` at start. */
  own: OwnRequests;
  /** The bridge's state, for a 2025-era client of a 2026-07-28 server. */
  bridge: RevisionBridge;
}

/** How long shutdown waits for requests still in flight before it answers them itself. */
const SHUTDOWN_GRACE_MS = 1500;

/** A stdio-to-Streamable-HTTP MCP proxy with a tool gate; see the module doc. */
export class McpProxy {
  #o: McpProxyOptions;
  #log: Logger;
  /** What the client sent while its initialize was in flight, to forward once it is answered. */
  #held: JSONRPCMessage[] | undefined;
  #closing: Promise<void> | undefined;
  #closed = Promise.withResolvers<void>();
  /** The revision settled on, and the relay's steps that depend on it. */
  #exchange: Exchange;
  /** The relay's send side. */
  #upstream: Upstream;

  /** Joins the parts; nothing flows until {@linkcode McpProxy.start}. */
  constructor(options: McpProxyOptions) {
    this.#o = options;
    this.#log = options.logger;
    const answer = (id: RequestId, reply: JSONRPCMessage) => this.#answer(id, reply);
    this.#exchange = new Exchange({
      ...options,
      answer,
      // Each leg of a bridged tool call is judged again, on a list as fresh as the server allows.
      resend: (request) => this.#upstream.resend(request),
      toClient: (message) => void options.local.send(message),
    });
    this.#upstream = new Upstream({
      ...options,
      exchange: this.#exchange,
      answer,
      refuse: (reply) => void options.local.send(reply),
      safely: (message, handle) => this.#safely(message, handle),
    });
  }

  /** Resolves when the proxy has shut down. */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /** Starts both transports and begins forwarding. */
  async start(): Promise<void> {
    const { local, remote, own, gate } = this.#o;
    local.onmessage = (message) => this.#safely(message, () => this.#fromClient(message));
    remote.onmessage = (message) => this.#safely(message, () => this.#fromBackend(message));
    local.onerror = (error) =>
      this.#log.warn(
        error.name === "InvalidLineError"
          ? `refused a line from the client: ${error.message}`
          : `client transport: ${describeError(error)}`,
      );
    remote.onerror = (error) => this.#log.debug(`backend transport: ${describeError(error)}`);
    local.onclose = () => void this.shutdown(local.closeReason ?? "the client transport closed");
    remote.onrenewing = () =>
      void gate.renewed().then((changed) => {
        if (!changed) return;
        this.#log.info("the new session offers other tools; telling the client");
        void local.send({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
      });
    own.attach((request) => remote.send(request));
    await remote.start();
    await local.start();
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
    const { requests, own, remote, local } = this.#o;
    this.#log.info(`shutting down: ${reason}`);
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (requests.awaited > 0 && Date.now() < deadline) await delay(10);
    own.rejectAll("the proxy shut down");
    for (const id of requests.ids()) {
      const message = `The proxy shut down (${reason}) before the server answered`;
      this.#answer(id, errorReply(id, ErrorCode.ConnectionClosed, message));
    }
    await remote.terminateSession().catch((error) =>
      this.#log.debug(`ending the backend session failed: ${describeError(error)}`)
    );
    await remote.close().catch(() => {});
    local.onclose = undefined;
    await local.close().catch(() => {});
    this.#closed.resolve();
  }

  /**
   * Runs `handle` for `message`; whatever it throws or rejects with answers
   * the request the message belongs to, so a fault in handling one message
   * (data from outside can be shaped to provoke one) neither leaves its
   * client waiting nor stops the proxy.
   */
  #safely(message: JSONRPCMessage, handle: () => void | Promise<void>): void {
    const fail = (error: unknown) => {
      const id = "id" in message ? message.id : undefined;
      const what = "method" in message ? message.method : "a response";
      this.#log.error(`could not handle ${what}: ${describeError(error)}`);
      if (id === undefined || id === null) return;
      const upstream = isRequest(message) ? toUpstream(id) : id;
      const reply = errorReply(
        upstream,
        ErrorCode.InternalError,
        `The proxy could not handle this message: ${describeError(error)}`,
      );
      if (this.#o.requests.methodOf(upstream) !== undefined) this.#answer(upstream, reply);
      else if (isRequest(message)) void this.#o.local.send({ ...reply, id });
    };
    try {
      const handling = handle();
      if (handling) handling.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  // ---- client -> backend ----

  #fromClient(message: JSONRPCMessage): void | Promise<void> {
    if (isResponse(message) && this.#o.bridge.settle(message)) return;
    if (this.#closing) {
      if (isRequest(message)) {
        const reply = errorReply(
          message.id,
          ErrorCode.ConnectionClosed,
          "The proxy is shutting down",
        );
        void this.#o.local.send(reply);
      }
      return;
    }
    if (this.#upstream.refusesLookAlike(message)) return;
    if (this.#held) {
      // The backend session starts with the initialize answer; nothing may overtake it.
      if (this.#held.length < MAX_WAITING) this.#held.push(message);
      else if (isRequest(message)) void this.#o.local.send(this.#upstream.busyReply(message.id));
      return;
    }
    if (!isRequest(message)) return this.#upstream.other(message);
    // Held from now: its answer may come (a refusal, at once) before request() returns.
    if (message.method === "initialize") this.#held = [];
    if (!this.#upstream.request(message)) this.#held = undefined;
  }

  /**
   * Sends `reply` to the client under its own id if request `id` (as sent
   * upstream) is still waiting; never answers twice.
   */
  #answer(id: RequestId, reply: JSONRPCMessage): void {
    if (isOwnId(id)) {
      // Only a fault in handling the server's answer to one of the proxy's own requests lands here.
      if (isResponse(reply)) this.#o.own.settle(reply);
      return;
    }
    const method = this.#o.requests.methodOf(id);
    if (method === undefined || this.#exchange.takesOver(id, method, reply)) return;
    this.#o.requests.take(id, reply);
    const clientId = fromUpstream(id);
    reply = this.#exchange.forClient(reply);
    this.#o.local.send(clientId === id ? reply : { ...reply, id: clientId } as JSONRPCMessage)
      .catch((error) => this.#log.error(`cannot write to the client: ${describeError(error)}`));
    if (method === "initialize") this.#release();
  }

  /** Forwards, in order, what the client sent while its initialize was in flight. */
  #release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const message of held) this.#safely(message, () => this.#fromClient(message));
  }

  // ---- backend -> client ----

  #fromBackend(message: JSONRPCMessage): void | Promise<void> {
    if (isNotification(message)) {
      // Before the client hears of it: no call it sends from now on is judged on the old list.
      if (message.method === "notifications/tools/list_changed") this.#o.gate.changed();
      if (!this.#o.own.ownsNotification(message)) return void this.#o.local.send(message);
      // The proxy's own subscription: for the gate, and for a bridged client, which has none.
      if (message.method === "notifications/subscriptions/acknowledged") this.#o.gate.subscribed();
      return this.#exchange.ownNotification(message);
    }
    if (!isResponse(message)) return void this.#o.local.send(message);
    const id = message.id;
    if (this.#o.own.settle(message)) return;
    if (id === undefined) return void this.#o.local.send(message);
    const method = this.#o.requests.methodOf(id);
    if (method === undefined) {
      this.#log.debug(
        `dropped a response for id ${JSON.stringify(id)}, which is no longer waiting`,
      );
      return;
    }
    if (isErrorResponse(message)) return this.#answer(id, message);
    return this.#exchange.result(id, method, message);
  }
}
