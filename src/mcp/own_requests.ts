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
  RequestId,
  Result,
} from "../mcp_sdk.ts";
import { isOwnId, ownId } from "../jsonrpc/request_ids.ts";
import { PROTOCOL_VERSION_META_KEY, SUBSCRIPTION_ID_META_KEY } from "../mcp_sdk.ts";
import { envelopeOf } from "./protocol_envelope.ts";
import { withMetadata } from "./request_extras.ts";
import type { RequestTable } from "./request_table.ts";

/** Options for {@linkcode OwnRequests}. */
export interface OwnRequestsOptions {
  /** The table of requests in flight, where each of these has its record and its deadline. */
  requests: RequestTable;
  /** Merged into `params._meta`, as for the client's requests. */
  metadata: Readonly<Record<string, string>>;
}

/** The proxy's own JSON-RPC client; {@linkcode OwnRequests.attach} gives it the remote to send on. */
export class OwnRequests {
  #options: OwnRequestsOptions;
  #send: ((request: JSONRPCRequest) => Promise<void>) | undefined;
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
  request(method: string, params: Record<string, unknown>): Promise<Result> {
    const id = ownId(++this.#seq);
    const { promise, resolve, reject } = Promise.withResolvers<Result>();
    const { requests } = this.#options;
    // Open-ended requests (a subscription) have no deadline: the table knows them by method.
    const record = requests.track(id, method, () => {
      const seconds = requests.timeoutMs / 1000;
      this.#fail(id, new Error(`${method} got no answer within ${seconds} s`));
    });
    record.settle = (reply) => {
      if (reply instanceof Error) reject(reply);
      else if ("error" in reply) {
        reject(new Error(`${reply.error.message} (code ${reply.error.code})`));
      } else if ("result" in reply) resolve(reply.result);
    };
    const send = this.#send;
    if (!send) {
      this.#fail(id, new Error("the proxy has not started"));
      return promise;
    }
    const request: JSONRPCRequest = {
      jsonrpc: "2.0",
      id,
      method,
      params: this.#envelope ? { ...params, _meta: { ...this.#envelope } } : params,
    };
    send(withMetadata(request, this.#options.metadata)).catch((error) => this.#fail(id, error));
    return promise;
  }

  /** One page of the backend's `tools/list`, after `cursor`. */
  readonly listTools = (cursor: string | undefined): Promise<ListToolsResult> =>
    this.request("tools/list", cursor === undefined ? {} : { cursor }) as Promise<ListToolsResult>;

  /** Takes `message` if it answers one of these requests; whether it did. */
  settle(message: JSONRPCResultResponse | JSONRPCErrorResponse): boolean {
    const id = message.id;
    if (id === undefined || !isOwnId(id)) return false;
    this.#options.requests.take(id, message)?.settle?.(message);
    return true;
  }

  /** Whether `notification` belongs to one of the proxy's own subscriptions, not the client's. */
  ownsNotification(notification: JSONRPCNotification): boolean {
    const meta = notification.params?._meta as Record<string, unknown> | undefined;
    const subscription = meta?.[SUBSCRIPTION_ID_META_KEY];
    return typeof subscription === "string" && isOwnId(subscription);
  }

  /** Fails every one of these requests still waiting. */
  rejectAll(reason: string): void {
    for (const record of [...this.#options.requests.records()]) {
      if (record.settle) this.#fail(record.id, new Error(reason));
    }
  }

  #fail(id: RequestId, error: Error): void {
    this.#options.requests.take(id)?.settle?.(error);
  }
}
