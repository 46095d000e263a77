/**
 * The relay's send side: a client's request, once it has its place with the
 * server, goes upstream judged (a `tools/call` by the gate), with the
 * configured `_meta` and its `Mcp-Param-*` headers; what fails on the way,
 * and what the server does not answer in time, is answered through
 * `answer`, once.
 *
 * @module
 */
import { ErrorCode, type JSONRPCMessage, type JSONRPCRequest, type RequestId } from "../mcp_sdk.ts";
import type { Logger } from "../log.ts";
import { cancelledRequestId, isNotification } from "../jsonrpc/message_kind.ts";
import { toUpstream } from "../jsonrpc/request_ids.ts";
import type { RemoteTransport } from "../transport/http/remote_transport.ts";
import { errorReply, timeoutReply } from "./errors.ts";
import type { Exchange } from "./exchange.ts";
import { serverErrorOf } from "./remote_errors.ts";
import { withMetadata } from "./request_extras.ts";
import type { RequestTable } from "./request_table.ts";
import type { ToolGate } from "./tools/tool_gate.ts";

/** What {@linkcode Upstream} sends with, and how it answers. */
export interface UpstreamOptions {
  /** The backend side. */
  remote: RemoteTransport;
  /** The client's requests in flight. */
  requests: RequestTable;
  /** The revision settled on: what goes upstream, and how a request is cancelled. */
  exchange: Exchange;
  /** Which tools are callable. */
  gate: ToolGate;
  /** Merged into `params._meta` of every request sent. */
  metadata: Readonly<Record<string, string>>;
  /** One line for the client when sending failed (what happened, what to do). */
  explain: (error: unknown) => { message: string; status?: number };
  /** Says what fails. */
  logger: Logger;
  /** Answers request `id` of the client, once. */
  answer(id: RequestId, reply: JSONRPCMessage): void;
}

/** The send side of the relay; see the module doc. */
export class Upstream {
  #o: UpstreamOptions;

  /** The send side, over the relay's parts. */
  constructor(options: UpstreamOptions) {
    this.#o = options;
  }

  /** Sends a client's request on, once it has a place with the server. */
  send(tracked: JSONRPCRequest): void | Promise<void> {
    return this.resend(this.#o.exchange.outgoing(tracked) ?? tracked);
  }

  /** Sends `request` as it is: judged first when it is a `tools/call`. */
  resend(request: JSONRPCRequest): void | Promise<void> {
    if (request.method === "tools/call") return this.#guard(request);
    this.#forward(request);
  }

  /** Answers `request`, which got no answer in time, and cancels it upstream. */
  timedOut(request: JSONRPCRequest): void {
    const seconds = this.#o.requests.timeoutMs / 1000;
    this.#o.logger.warn(
      `${request.method} (id ${JSON.stringify(request.id)}) got no answer within ${seconds} s`,
    );
    const sent = !this.#o.requests.isWaiting(request.id);
    // A stateless exchange cancels by closing the request's stream; a session, by notification,
    // and the stream closes too, so a server that ignores the cancel keeps no connection.
    if (sent) this.#o.remote.abandon(request.id);
    this.#o.answer(request.id, timeoutReply(request, seconds));
    if (!sent || this.#o.exchange.cancelsByStream) return;
    void this.#o.remote.send({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: request.id, reason: "timed out in the proxy" },
    }).catch(() => {});
  }

  /**
   * Sends the client's notification or response on: a `notifications/cancelled`
   * also ends its request here (and closes its stream; in a stateless exchange
   * that is the whole cancellation), and the first `notifications/initialized`
   * starts the gate's discovery.
   */
  other(message: JSONRPCMessage): void {
    const { gate, requests, remote, exchange } = this.#o;
    if (gate.refusesNotification(message)) return;
    if (isNotification(message)) {
      const outgoing = exchange.outgoing(message);
      if (!outgoing) return;
      message = outgoing;
    }
    const cancelled = cancelledRequestId(message);
    if (cancelled !== undefined) {
      const upstream = toUpstream(cancelled);
      const sent = !requests.isWaiting(upstream);
      // Its stream closes either way: a server that ignores the cancel keeps no connection.
      if (sent) remote.abandon(upstream);
      requests.take(upstream);
      if (!sent) return; // it never left: nothing to cancel upstream
      if (exchange.cancelsByStream) return;
      if (upstream !== cancelled && isNotification(message)) {
        message = { ...message, params: { ...message.params, requestId: upstream } };
      }
    }
    remote.send(message).then(
      () => {
        if (isNotification(message) && message.method === "notifications/initialized") {
          gate.discover();
        }
      },
      (error) =>
        this.#o.logger.warn(
          `could not forward ${"method" in message ? message.method : "a response"}: ${
            this.#o.explain(error).message
          }`,
        ),
    );
  }

  async #guard(request: JSONRPCRequest): Promise<void> {
    const refusal = await this.#o.gate.judge(request);
    if (refusal) this.#o.answer(request.id, refusal);
    else this.#forward(request);
  }

  #forward(request: JSONRPCRequest): void {
    const headers = request.method === "tools/call" ? this.#o.gate.paramHeaders(request) : {};
    const options = Object.keys(headers).length > 0 ? { headers } : undefined;
    this.#o.remote.send(withMetadata(request, this.#o.metadata), options).catch((error) => {
      const own = serverErrorOf(error, request.id);
      if (own) return this.#o.answer(request.id, own);
      const failure = this.#o.explain(error);
      this.#o.logger.warn(`${request.method} failed: ${failure.message}`);
      const data = failure.status === undefined ? undefined : { httpStatus: failure.status };
      this.#o.answer(
        request.id,
        errorReply(request.id, ErrorCode.InternalError, failure.message, data),
      );
    });
  }
}
