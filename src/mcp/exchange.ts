/**
 * Which protocol revision the client and the server settled on, held in one
 * place, and every step of the relay that depends on it: a 2025-11-25
 * session (the client sent `initialize`), a 2026-07-28 stateless exchange
 * (the client's requests carry the protocol envelope), or the bridge
 * between a 2025-era client and a server that speaks only 2026-07-28 (see
 * `revision_bridge.ts`). The relay hands every client request, every
 * request and notification going upstream, every result and every answer
 * to the exchange, and never asks which revision is in use.
 *
 * What is set from the mode (the envelope of the proxy's own requests, the
 * `MCP-Protocol-Version` header, how a request is cancelled, whether the
 * gate loads its list the stateless way) is set here, when the exchange
 * settles or changes its mind, not by each part's own guess. A client may
 * probe with `server/discover` and fall back to `initialize` when the
 * server refuses (the Python SDK's auto mode): the exchange starts
 * stateless on the probe and becomes a session on the `initialize`.
 *
 * @module
 */
import {
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResultResponse,
  type ListToolsResult,
  type RequestId,
  type Result,
} from "../mcp_sdk.ts";
import { describeError, type Logger } from "../log.ts";
import type { SessionTransport } from "../transport/http/remote_transport.ts";
import { STATELESS_REVISION } from "./bridge_messages.ts";
import { errorReply } from "./errors.ts";
import type { OwnRequests } from "./own_requests.ts";
import type { RequestTable } from "./request_table.ts";
import type { RevisionBridge } from "./revision_bridge.ts";
import type { ToolGate } from "./tools/tool_gate.ts";

/** The revision an exchange runs at. */
export type ExchangeMode = "unsettled" | "session" | "stateless" | "bridged";

/** The parts the exchange sets and uses, and the relay's two ways out. */
export interface ExchangeOptions {
  /** The proxy's own requests: their envelope, and `server/discover` for a bridged client. */
  own: OwnRequests;
  /** The backend side: its `MCP-Protocol-Version` header. */
  remote: Pick<SessionTransport, "setProtocolVersion">;
  /** The gate: told of the server's tools, and filters each list. */
  gate: ToolGate;
  /** The bridge's state, for a 2025-era client of a 2026-07-28 server. */
  bridge: RevisionBridge;
  /** The requests in flight: a bridged request's record. */
  requests: RequestTable;
  /** Says when the proxy bridges. */
  logger: Logger;
  /** Answers request `id` of the client, once. */
  answer(id: RequestId, reply: JSONRPCMessage): void;
  /** Sends a request on again (a bridged retry), judged first when it is a `tools/call`. */
  resend(request: JSONRPCRequest): void | Promise<void>;
  /** Sends a message to the client. */
  toClient(message: JSONRPCMessage): void;
}

/** The exchange's mode and the relay's steps that follow from it; see the module doc. */
export class Exchange {
  #o: ExchangeOptions;
  #mode: ExchangeMode = "unsettled";

  /** An exchange not settled yet. */
  constructor(options: ExchangeOptions) {
    this.#o = options;
  }

  /** The mode settled on so far. */
  get mode(): ExchangeMode {
    return this.#mode;
  }

  /**
   * Whether a request is cancelled by closing its stream only: the
   * revision's way in a stateless or bridged exchange, where a server has
   * no request to match a `notifications/cancelled` to.
   */
  get cancelsByStream(): boolean {
    return this.#mode === "stateless" || this.#mode === "bridged";
  }

  /**
   * A client request arrived: an `initialize` makes the exchange a session,
   * whatever a probe before it set up. The answer the exchange gives itself,
   * when it has one (a bridged `ping` or `logging/setLevel`).
   */
  arrived(request: JSONRPCRequest): Promise<JSONRPCMessage> | undefined {
    const { bridge, own, remote } = this.#o;
    if (this.#mode === "bridged") {
      return bridge.answerLocally(request, () => own.request("server/discover", {}));
    }
    if (request.method === "initialize") {
      bridge.noteInitialize(request);
      this.#mode = "session";
      own.useEnvelope(undefined);
      remote.setProtocolVersion("");
    }
    return undefined;
  }

  /**
   * `message` as it goes upstream (`undefined`: it has no counterpart
   * there). The first client request that carries the protocol envelope
   * makes the exchange stateless, and starts the gate.
   */
  outgoing<T extends JSONRPCRequest | JSONRPCNotification>(message: T): T | undefined {
    switch (this.#mode) {
      case "bridged":
        return this.#o.bridge.outgoing(message);
      case "session":
      case "stateless":
        return message;
    }
    // Unsettled: a request with the envelope settles it.
    if (!("id" in message)) return message;
    const revision = this.#o.own.useEnvelopeOf(message);
    if (revision !== undefined) {
      this.#mode = "stateless";
      this.#o.gate.stateless();
      this.#o.remote.setProtocolVersion(revision);
    }
    return message;
  }

  /**
   * Whether the exchange takes over the answer `reply` to the client's
   * request `id` (`method`): a refused `initialize` that the bridge answers
   * from `server/discover`, speaking 2026-07-28 for the client from then on.
   */
  takesOver(id: RequestId, method: string, reply: JSONRPCMessage): boolean {
    if (method !== "initialize" || this.#mode === "bridged") return false;
    const envelope = this.#o.bridge.activate(reply);
    if (!envelope) return false;
    this.#bridge(id, envelope).catch((error) =>
      this.#o.answer(id, errorReply(id, ErrorCode.InternalError, describeError(error)))
    );
    return true;
  }

  /** `reply` as the client's revision knows it. */
  forClient(reply: JSONRPCMessage): JSONRPCMessage {
    return this.#mode === "bridged" ? this.#o.bridge.forClient(reply) : reply;
  }

  /**
   * A notification of the proxy's own subscription: a bridged client, which
   * has no subscription of its own, hears of a changed list.
   */
  ownNotification(notification: JSONRPCNotification): void {
    if (notification.method !== "notifications/tools/list_changed") return;
    if (this.#mode !== "bridged") return;
    this.#o.toClient({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
  }

  /**
   * The server's result for the client's request `id` (`method`): what it
   * tells the exchange and the gate, and the answer the client gets (a list
   * filtered by the gate; when bridged, input asked of the client and the
   * request sent again, as the result requires).
   */
  result(id: RequestId, method: string, message: JSONRPCResultResponse): void | Promise<void> {
    if (this.#mode === "bridged") return this.#bridgedResult(id, method, message.result);
    const { gate, remote } = this.#o;
    if (method === "initialize") {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") remote.setProtocolVersion(version);
      gate.initialized(message.result);
    } else if (method === "server/discover") {
      // A stateless exchange (2026-07-28) has no initialize: the tools are learned from here.
      gate.initialized(message.result);
      gate.discover();
    } else if (method === "tools/list") {
      const result = gate.filterList(message.result as ListToolsResult);
      return this.#o.answer(id, { ...message, result });
    }
    this.#o.answer(id, message);
  }

  /** The server refused the client's `initialize` (id `id`): the proxy speaks 2026-07-28 for it. */
  async #bridge(id: RequestId, envelope: Record<string, unknown>): Promise<void> {
    const { own, gate, bridge, logger, remote } = this.#o;
    logger.info(
      `the server speaks only ${STATELESS_REVISION}; the proxy speaks it for this ${bridge.clientVersion} client`,
    );
    this.#mode = "bridged";
    remote.setProtocolVersion(STATELESS_REVISION);
    own.useEnvelope(envelope);
    const reply = await bridge.answerInitialize(id, () => own.request("server/discover", {}));
    if ("result" in reply) {
      gate.initialized(reply.result);
      gate.discover();
      gate.followChanges();
    } else logger.warn(reply.error.message);
    this.#o.answer(id, reply);
  }

  /**
   * A bridged result: passed on as the client's revision knows it, or, when
   * it asks for input, the input asked of the client and the request sent
   * again with the answers.
   */
  async #bridgedResult(id: RequestId, method: string, result: Result): Promise<void> {
    const record = this.#o.requests.get(id);
    if (!record) return;
    const step = await this.#o.bridge.next(record, result);
    if ("retry" in step) {
      if (this.#o.requests.get(id) !== record) return;
      this.#o.requests.restart(id);
      return this.#o.resend(step.retry);
    }
    if ("failed" in step) {
      this.#o.logger.warn(`${method}: the server ${step.failed}`);
      const message = `The server's ${method} ${step.failed}`;
      return this.#o.answer(id, errorReply(id, ErrorCode.InternalError, message));
    }
    const answer = method === "tools/list"
      ? this.#o.gate.filterList(step.answer as ListToolsResult)
      : step.answer;
    this.#o.answer(id, { jsonrpc: "2.0", id, result: answer });
  }
}
