/**
 * The relay's send side: a client's request gets its one record (under the
 * id it has upstream) and waits for its place with the server; then it goes
 * upstream judged (a `tools/call` by the gate), with the configured `_meta`
 * and its `Mcp-Param-*` headers. What fails on the way, and what the server
 * does not answer in time, is answered through `answer`, once; what cannot
 * be tracked at all (an id in use, a look-alike method, a full waiting line)
 * is refused at once.
 *
 * @module
 */
import { ErrorCode, type JSONRPCMessage, type JSONRPCRequest, type RequestId } from "../mcp_sdk.ts";
import type { Logger } from "../log.ts";
import { cancelledRequestId, isNotification, isRequest } from "../jsonrpc/message_kind.ts";
import { imitatedMethod } from "../jsonrpc/look_alikes.ts";
import { isEscaped, toUpstream } from "../jsonrpc/request_ids.ts";
import type { RemoteTransport } from "../transport/http/remote_transport.ts";
import { busyReply, errorReply, idInUseReply, lookAlikeReply, timeoutReply } from "./errors.ts";
import type { Exchange } from "./exchange.ts";
import { serverErrorOf } from "./remote_errors.ts";
import { unsendableHeader } from "../transport/http/mcp_headers.ts";
import { withMetadata } from "./request_extras.ts";
import { MAX_WAITING, type RequestTable } from "./request_table.ts";
import { RequestTrace } from "./request_trace.ts";
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
  /** Sends a refusal to the client, for a request that has no record. */
  refuse(reply: JSONRPCMessage): void;
  /** Runs `handle`, answering `message`'s request with what it throws or rejects with. */
  safely(message: JSONRPCMessage, handle: () => void | Promise<void>): void;
}

/** The send side of the relay; see the module doc. */
export class Upstream {
  #o: UpstreamOptions;
  /** Requests refused because the waiting line was full. */
  #refusedBusy = 0;
  /** A span per request, when OpenTelemetry is on. */
  #trace = new RequestTrace();

  /** The send side, over the relay's parts. */
  constructor(options: UpstreamOptions) {
    this.#o = options;
  }

  /**
   * Takes a client's request: its record, then upstream once it has a place
   * (or an answer from the exchange itself). Whether it was taken: `false`
   * when it was refused at once.
   */
  request(message: JSONRPCRequest): boolean {
    // From here on the request goes by the id it has upstream; the relay restores the client's.
    const tracked = isEscaped(message.id) ? { ...message, id: toUpstream(message.id) } : message;
    const { requests, exchange } = this.#o;
    if (requests.methodOf(tracked.id) !== undefined) {
      this.#o.refuse(idInUseReply(message.id));
      return false;
    }
    const record = requests.track(tracked.id, tracked.method, () => this.timedOut(tracked));
    const local = exchange.arrived(tracked);
    if (local) {
      this.#o.safely(message, () => local.then((reply) => this.#o.answer(tracked.id, reply)));
      return true;
    }
    const start = () =>
      this.#trace.around(
        tracked,
        () => this.#o.safely(message, () => this.resend(exchange.outgoing(tracked) ?? tracked)),
        (span) => void (record.span = span),
      );
    if (!requests.admit(tracked.id, start)) this.#o.answer(tracked.id, this.busyReply(tracked.id));
    return true;
  }

  /**
   * Refuses `message` if its method would pass for another with a lenient
   * server (see `look_alikes.ts`); whether it did.
   */
  refusesLookAlike(message: JSONRPCMessage): boolean {
    const method = "method" in message ? message.method : undefined;
    const imitated = method === undefined ? undefined : imitatedMethod(method);
    if (method === undefined || imitated === undefined) return false;
    this.#o.logger.warn(
      `refused ${JSON.stringify(method)}: it differs from ${imitated} only in case or spaces`,
    );
    if (isRequest(message)) this.#o.refuse(lookAlikeReply(message.id, method, imitated));
    return true;
  }

  /** The answer to a request that finds the waiting line full. */
  busyReply(id: RequestId): JSONRPCMessage {
    const max = this.#o.requests.maxInFlight;
    // One line per thousand, not one per request: a burst must not flood the log.
    if (this.#refusedBusy++ % 1000 === 0) {
      this.#o.logger.warn(
        `refused ${this.#refusedBusy} request(s) so far: ${max} in flight and ${MAX_WAITING} waiting (--max-in-flight)`,
      );
    }
    return busyReply(id, max, MAX_WAITING);
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
    const outgoing = withMetadata(request, this.#o.metadata);
    const unsendable = unsendableHeader(outgoing);
    if (unsendable) {
      this.#o.logger.warn(`refused ${JSON.stringify(request.method)}: ${unsendable}`);
      return this.#o.answer(
        request.id,
        errorReply(request.id, ErrorCode.InvalidRequest, `Invalid Request: ${unsendable}`),
      );
    }
    const headers = request.method === "tools/call" ? this.#o.gate.paramHeaders(request) : {};
    const options = Object.keys(headers).length > 0 ? { headers } : undefined;
    this.#o.remote.send(outgoing, options).catch((error) => {
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
