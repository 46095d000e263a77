/**
 * The relay's two steps that exist only while the proxy bridges a 2025-era
 * client to a server that speaks only 2026-07-28 (see `revision_bridge.ts`):
 * answering the client's refused `initialize` from `server/discover`, and
 * turning each result into what the client knows, asking it for input and
 * sending the request again when the result requires it.
 *
 * @module
 */
import {
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type ListToolsResult,
  type RequestId,
  type Result,
} from "../mcp_sdk.ts";
import type { Logger } from "../log.ts";
import { STATELESS_REVISION } from "./bridge_messages.ts";
import { errorReply } from "./errors.ts";
import type { OwnRequests } from "./own_requests.ts";
import type { Exchange } from "./exchange.ts";
import type { RequestTable } from "./request_table.ts";
import type { RevisionBridge } from "./revision_bridge.ts";
import type { ToolGate } from "./tools/tool_gate.ts";

/** What {@linkcode BridgedFlow} works with: the relay's parts, and its two ways out. */
export interface BridgedFlowOptions {
  /** The bridge's state. */
  bridge: RevisionBridge;
  /** The proxy's own requests (`server/discover`), sent with the envelope. */
  own: OwnRequests;
  /** The gate, told of the server's tools. */
  gate: ToolGate;
  /** The revision settled on: bridged, from here. */
  exchange: Exchange;
  /** The client's requests in flight. */
  requests: RequestTable;
  /** Says what the bridge does. */
  logger: Logger;
  /** Answers request `id` of the client, once. */
  answer(id: RequestId, reply: JSONRPCMessage): void;
  /** Sends a request on again, judged first when it is a `tools/call`. */
  resend(request: JSONRPCRequest): void | Promise<void>;
}

/** The bridged steps of the relay; see the module doc. */
export class BridgedFlow {
  #o: BridgedFlowOptions;

  /** The steps, over the relay's parts. */
  constructor(options: BridgedFlowOptions) {
    this.#o = options;
  }

  /** The server refused the client's `initialize` (id `id`): the proxy speaks 2026-07-28 for it. */
  async initialize(id: RequestId, envelope: Record<string, unknown>): Promise<void> {
    const { own, gate, exchange, bridge, logger } = this.#o;
    logger.info(
      `the server speaks only ${STATELESS_REVISION}; the proxy speaks it for this ${bridge.clientVersion} client`,
    );
    exchange.bridging(envelope);
    const reply = await bridge.answerInitialize(id, () => own.request("server/discover", {}));
    if ("result" in reply) {
      gate.initialized(reply.result);
      gate.discover();
      gate.followChanges();
    } else logger.warn(reply.error.message);
    this.#o.answer(id, reply);
  }

  /**
   * A result for request `id` (`method`): passed on as the client's revision
   * knows it, or, when it asks for input, the input asked of the client and
   * the request sent again with the answers.
   */
  async result(id: RequestId, method: string, result: Result): Promise<void> {
    const record = this.#o.requests.get(id);
    if (!record) return;
    const step = await this.#o.bridge.next(record, result);
    if ("retry" in step) {
      if (this.#o.requests.methodOf(id) === undefined) return;
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
