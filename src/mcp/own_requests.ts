/**
 * The proxy's own requests to the backend (the tool list, for the gate):
 * ids no client id can reach, a timeout each, and the answers taken out of
 * the stream before they could reach the client.
 *
 * @module
 */
import type {
  JSONRPCErrorResponse,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResultResponse,
  ListToolsResult,
  Result,
} from "../mcp_sdk.ts";
import { isErrorResponse } from "../jsonrpc/message_kind.ts";
import { isOwnId, ownId } from "../jsonrpc/request_ids.ts";
import { PROTOCOL_VERSION_META_KEY, SUBSCRIPTION_ID_META_KEY } from "../mcp_sdk.ts";
import { envelopeOf } from "./protocol_envelope.ts";
import { withMetadata } from "./request_extras.ts";

interface Waiter {
  resolve(result: Result): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Options for {@linkcode OwnRequests}. */
export interface OwnRequestsOptions {
  /** Milliseconds a request may wait for its answer. */
  timeoutMs: number;
  /** Merged into `params._meta`, as for the client's requests. */
  metadata: Readonly<Record<string, string>>;
}

/** The proxy's own JSON-RPC client; {@linkcode OwnRequests.attach} gives it the remote to send on. */
export class OwnRequests {
  #options: OwnRequestsOptions;
  #send: ((request: JSONRPCRequest) => Promise<void>) | undefined;
  #waiters = new Map<string, Waiter>();
  #seq = 0;
  #envelope: Record<string, unknown> | undefined;

  /** A client with nothing to send on yet. */
  constructor(options: OwnRequestsOptions) {
    this.#options = options;
  }

  /** Sends from now on through `send` (the remote transport, once the proxy starts). */
  attach(send: (request: JSONRPCRequest) => Promise<void>): void {
    this.#send = send;
  }

  /**
   * Takes the protocol envelope of a client's request (protocol revision
   * 2026-07-28 and later: the `io.modelcontextprotocol/` keys of `_meta`),
   * which every request of a stateless exchange must carry, for the proxy's
   * own requests; the revision it names, or `undefined` when `request` had
   * none.
   */
  useEnvelopeOf(request: JSONRPCRequest): string | undefined {
    const envelope = envelopeOf(request);
    if (!envelope) return undefined;
    this.useEnvelope(envelope);
    return envelope[PROTOCOL_VERSION_META_KEY] as string;
  }

  /** Whether the exchange is stateless: its requests carry an envelope. */
  get stateless(): boolean {
    return this.#envelope !== undefined;
  }

  /** Sends every request from now on with `envelope` in its `_meta`; `undefined`, with none. */
  useEnvelope(envelope: Record<string, unknown> | undefined): void {
    this.#envelope = envelope;
  }

  /**
   * Sends `method` and resolves with the result; rejects on an error answer
   * or the timeout, which an open-ended request (a subscription) has not.
   */
  request(
    method: string,
    params: Record<string, unknown>,
    options: { openEnded?: boolean } = {},
  ): Promise<Result> {
    const id = ownId(++this.#seq);
    const { promise, resolve, reject } = Promise.withResolvers<Result>();
    const timer = options.openEnded ? undefined : setTimeout(() => {
      this.#take(id)?.reject(
        new Error(`${method} got no answer within ${this.#options.timeoutMs / 1000} s`),
      );
    }, this.#options.timeoutMs);
    this.#waiters.set(id, { resolve, reject, timer });
    const send = this.#send;
    if (!send) {
      this.#take(id)?.reject(new Error("the proxy has not started"));
      return promise;
    }
    const request: JSONRPCRequest = {
      jsonrpc: "2.0",
      id,
      method,
      params: this.#envelope ? { ...params, _meta: { ...this.#envelope } } : params,
    };
    send(withMetadata(request, this.#options.metadata)).catch((error) =>
      this.#take(id)?.reject(error)
    );
    return promise;
  }

  /** One page of the backend's `tools/list`, after `cursor`. */
  readonly listTools = (cursor: string | undefined): Promise<ListToolsResult> =>
    this.request("tools/list", cursor === undefined ? {} : { cursor }) as Promise<ListToolsResult>;

  /** Takes `message` if it answers one of these requests; whether it did. */
  settle(message: JSONRPCResultResponse | JSONRPCErrorResponse): boolean {
    const id = message.id;
    if (id === undefined || !isOwnId(id)) return false;
    const waiter = this.#take(id);
    if (!waiter) return true;
    if (isErrorResponse(message)) {
      waiter.reject(new Error(`${message.error.message} (code ${message.error.code})`));
    } else waiter.resolve(message.result);
    return true;
  }

  /** Whether `notification` belongs to one of the proxy's own subscriptions, not the client's. */
  ownsNotification(notification: JSONRPCNotification): boolean {
    const meta = notification.params?._meta as Record<string, unknown> | undefined;
    const subscription = meta?.[SUBSCRIPTION_ID_META_KEY];
    return typeof subscription === "string" && isOwnId(subscription);
  }

  /** Fails every request still waiting. */
  rejectAll(reason: string): void {
    for (const id of [...this.#waiters.keys()]) this.#take(id)?.reject(new Error(reason));
  }

  #take(id: string): Waiter | undefined {
    const waiter = this.#waiters.get(id);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.#waiters.delete(id);
    }
    return waiter;
  }
}
