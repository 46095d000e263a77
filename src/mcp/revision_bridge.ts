/**
 * Lets a client of a 2025-era revision (one that sends `initialize`) use a
 * server that speaks only the stateless revision 2026-07-28, which refuses
 * that `initialize` with `-32022` and `data.supported`.
 *
 * Once the refusal comes back, the proxy speaks 2026-07-28 upstream on the
 * client's behalf:
 * - the client's `initialize` is answered from the server's `server/discover`,
 *   at the revision the client asked for;
 * - every request and notification carries the protocol envelope made from
 *   the client's `initialize` (its info and capabilities), so the transport
 *   sends the revision's standard headers;
 * - a result that asks for input (`resultType: "input_required"`) is turned
 *   into the server-to-client requests the client knows (`elicitation/create`,
 *   `sampling/createMessage`, `roots/list`); the original request is then sent
 *   again with their answers and the server's `requestState`, up to 10 rounds;
 *   a request the client's `initialize` declared no capability for is never
 *   put to it: the call fails with an error that names the capability;
 * - complete results reach the client without `resultType`;
 * - `logging/setLevel` is answered here, its level sent in every later
 *   request's envelope, as the revision carries it; `ping` is answered once a
 *   `server/discover` shows the server is there; `notifications/initialized`
 *   and `notifications/roots/list_changed` have no counterpart and stay here.
 *
 * The SDK's own multi-round-trip driver lives inside its `Client` class and
 * answers input requests from that client's handlers; a relay has none, so
 * this loop is written here, with the SDK driver's round cap and pacing.
 *
 * @module
 */
import { setTimeout as delay } from "node:timers/promises";
import {
  ErrorCode,
  type JSONRPCErrorResponse,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResultResponse,
  LOG_LEVEL_META_KEY,
  type RequestId,
  type Result,
} from "../mcp_sdk.ts";
import { ownId } from "../jsonrpc/request_ids.ts";
import {
  asEarlierResult,
  envelopeFromInitialize,
  initializeResultFrom,
  inputRequiredOf,
  isBridgeableRefusal,
  retryOf,
  STATELESS_REVISION,
} from "./bridge_messages.ts";
import { withEnvelope } from "./protocol_envelope.ts";

/** The server-to-client requests an input-required result may embed, and the capability each needs. */
const INPUT_METHODS = new Map([
  ["elicitation/create", "elicitation"],
  ["sampling/createMessage", "sampling"],
  ["roots/list", "roots"],
]);
/**
 * Client notifications 2026-07-28 has no counterpart for: there is no session
 * to start, and a server asks for the roots each time it needs them.
 */
const NO_COUNTERPART = new Set(["notifications/initialized", "notifications/roots/list_changed"]);
/** Rounds of input one request may need (the SDK client's default cap). */
export const MAX_INPUT_ROUNDS = 10;
/** The pause before a retry that answers no input, only echoes `requestState` (as the SDK's). */
const STATE_ONLY_PACING_MS = 250;

/** What the bridge reads and counts in a request's record. */
export interface BridgedRequest {
  /** The request as last sent upstream. */
  readonly request: JSONRPCRequest | undefined;
  /** Rounds of input asked of the client so far. */
  rounds: number;
}

/** Options for {@linkcode RevisionBridge}. */
export interface RevisionBridgeOptions {
  /** Sends a request to the client (stdio). */
  toClient(message: JSONRPCMessage): Promise<void>;
  /** One line for a failure to reach the server (what happened, what to do). */
  describe(error: unknown): string;
  /** Waits `ms` (a parameter, so tests need not). */
  sleep?(ms: number): Promise<void>;
}

/** The state of the bridge for one proxy; see the module doc. */
export class RevisionBridge {
  #o: RevisionBridgeOptions;
  #initialize: JSONRPCRequest | undefined;
  #envelope: Record<string, unknown> | undefined;
  /** Input requests put to the client, by the id they went under. */
  #asked = new Map<RequestId, PromiseWithResolvers<JSONRPCMessage>>();
  #seq = 0;

  /** A bridge that is off until {@linkcode RevisionBridge.activate}. */
  constructor(options: RevisionBridgeOptions) {
    this.#o = options;
  }

  /** Whether the proxy speaks 2026-07-28 upstream on the client's behalf. */
  get active(): boolean {
    return this.#envelope !== undefined;
  }

  /** Remembers the client's `initialize`, which the envelope is made from. */
  noteInitialize(request: JSONRPCRequest): void {
    this.#initialize = request;
  }

  /**
   * Whether the answer `reply` to the client's `initialize` is a refusal the
   * bridge takes over; if so, the bridge is on and returns the envelope.
   */
  activate(reply: JSONRPCMessage): Record<string, unknown> | undefined {
    if (!this.#initialize || !("error" in reply) || !isBridgeableRefusal(reply.error)) {
      return undefined;
    }
    this.#envelope = envelopeFromInitialize(this.#initialize);
    return this.#envelope;
  }

  /** The revision the client asked for in its `initialize`. */
  get clientVersion(): string {
    const asked = (this.#initialize?.params as { protocolVersion?: unknown } | undefined)
      ?.protocolVersion;
    return typeof asked === "string" ? asked : "2025-11-25";
  }

  /**
   * The answer to the client's `initialize` (request `id`), made from the
   * result of `discover` (`server/discover`, sent upstream with the
   * envelope), or an error that says why it failed.
   */
  async answerInitialize(
    id: RequestId,
    discover: () => Promise<Result>,
  ): Promise<JSONRPCResultResponse | JSONRPCErrorResponse> {
    try {
      return {
        jsonrpc: "2.0",
        id,
        result: initializeResultFrom(await discover(), this.clientVersion),
      };
    } catch (error) {
      const message =
        `The server speaks only ${STATELESS_REVISION}, and its server/discover failed: ${
          this.#o.describe(error)
        }`;
      return { jsonrpc: "2.0", id, error: { code: ErrorCode.InternalError, message } };
    }
  }

  /**
   * `message` as it goes upstream while the bridge is on: with the envelope;
   * `undefined` for a notification the revision has no counterpart for.
   */
  outgoing<T extends JSONRPCRequest | JSONRPCNotification>(message: T): T | undefined {
    if (!this.#envelope) return message;
    if (!("id" in message) && NO_COUNTERPART.has(message.method)) return undefined;
    return withEnvelope(message, this.#envelope);
  }

  /**
   * The answer the bridge gives `request` itself, if it is one of the two the
   * revision has no request for: `logging/setLevel`, whose level a stateless
   * server learns from each request's envelope instead
   * (`io.modelcontextprotocol/logLevel`), and `ping`, answered once
   * `discover` (a `server/discover` upstream) shows the server is there.
   */
  answerLocally(
    request: JSONRPCRequest,
    discover: () => Promise<unknown>,
  ): Promise<JSONRPCResultResponse | JSONRPCErrorResponse> | undefined {
    if (!this.#envelope) return undefined;
    const { id } = request;
    if (request.method === "ping") {
      return discover().then(
        () => ({ jsonrpc: "2.0", id, result: {} }),
        (error) => ({
          jsonrpc: "2.0",
          id,
          error: { code: ErrorCode.InternalError, message: `ping: ${this.#o.describe(error)}` },
        }),
      );
    }
    if (request.method !== "logging/setLevel") return undefined;
    const level = (request.params as { level?: unknown } | undefined)?.level;
    if (typeof level !== "string") return undefined;
    this.#envelope = { ...this.#envelope, [LOG_LEVEL_META_KEY]: level };
    return Promise.resolve({ jsonrpc: "2.0", id, result: {} });
  }

  /**
   * `reply` as the client's revision knows it: while the bridge is on, a
   * result loses `resultType`, whether the server wrote it or the proxy.
   */
  forClient(reply: JSONRPCMessage): JSONRPCMessage {
    if (!this.#envelope || !("result" in reply)) return reply;
    return { ...reply, result: asEarlierResult(reply.result) };
  }

  /**
   * Takes `message` if it answers an input request the bridge put to the
   * client; whether it did.
   */
  settle(message: JSONRPCResultResponse | JSONRPCErrorResponse): boolean {
    const id = message.id;
    if (id === undefined) return false;
    const waiter = this.#asked.get(id);
    if (!waiter) return false;
    this.#asked.delete(id);
    waiter.resolve(message);
    return true;
  }

  /**
   * What to do with the result `result` of the request `sent` (its record:
   * the request as last sent upstream, and the rounds of input so far): pass
   * it on (`answer`; {@linkcode RevisionBridge.forClient} drops its
   * `resultType`), or, when it asks for input, ask the client and send
   * `retry`; `failed` says why the request cannot go on.
   */
  async next(
    sent: BridgedRequest,
    result: Result,
  ): Promise<{ answer: Result } | { retry: JSONRPCRequest } | { failed: string }> {
    const input = inputRequiredOf(result);
    if (!input) return { answer: result };
    if (!sent.request) return { failed: "the request is no longer waiting" };
    if (++sent.rounds > MAX_INPUT_ROUNDS) {
      return { failed: `still required input after ${MAX_INPUT_ROUNDS} rounds` };
    }
    const entries = Object.entries(input.inputRequests);
    const unknown = entries.find(([, entry]) => !INPUT_METHODS.has(entry?.method));
    if (unknown) {
      return { failed: `asked for input by an unknown request ("${unknown[1]?.method}")` };
    }
    // A client is never asked what its initialize did not offer to answer.
    const declared = (this.#initialize?.params as { capabilities?: Record<string, unknown> })
      ?.capabilities ?? {};
    for (const [, { method }] of entries) {
      const capability = INPUT_METHODS.get(method)!;
      if (declared[capability] === undefined || declared[capability] === null) {
        return {
          failed:
            `asked the client for ${method}, but the client's initialize did not declare the ${capability} capability`,
        };
      }
    }
    if (entries.length === 0) await (this.#o.sleep ?? delay)(STATE_ONLY_PACING_MS);
    const answers = await Promise.all(
      entries.map(async ([key, { method, params }]) =>
        [key, await this.#ask(method, params)] as const
      ),
    );
    const results: Record<string, unknown> = {};
    for (const [key, answer] of answers) {
      if ("error" in answer) {
        return { failed: `the client refused input request "${key}": ${answer.error.message}` };
      }
      if ("result" in answer) results[key] = answer.result;
    }
    return { retry: retryOf(sent.request, results, input.requestState) };
  }

  /** Puts one input request to the client and waits for its answer. */
  #ask(method: string, params: Record<string, unknown> | undefined): Promise<JSONRPCMessage> {
    const id = ownId(`input-${++this.#seq}`);
    const waiter = Promise.withResolvers<JSONRPCMessage>();
    this.#asked.set(id, waiter);
    const request: JSONRPCRequest = { jsonrpc: "2.0", id, method, ...(params ? { params } : {}) };
    this.#o.toClient(request).catch((error) => {
      this.#asked.delete(id);
      waiter.resolve({
        jsonrpc: "2.0",
        id,
        error: { code: ErrorCode.InternalError, message: `cannot write to the client: ${error}` },
      });
    });
    return waiter.promise;
  }
}
