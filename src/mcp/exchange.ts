/**
 * Which protocol revision the client and the server settled on, held in one
 * place: a 2025-11-25 session (the client sent `initialize`), a 2026-07-28
 * stateless exchange (the client's requests carry the protocol envelope),
 * or the bridge between a 2025-era client and a server that speaks only
 * 2026-07-28. Every part that depends on it (the envelope of the proxy's
 * own requests, the `MCP-Protocol-Version` header, how a request is
 * cancelled, whether the gate loads its list the stateless way) is set from
 * here, when the exchange settles or changes its mind, not by each part's
 * own guess.
 *
 * A client may probe with `server/discover` and fall back to `initialize`
 * when the server refuses (the Python SDK's auto mode): the exchange starts
 * stateless on the probe and becomes a session on the `initialize`.
 *
 * @module
 */
import type { JSONRPCRequest } from "../mcp_sdk.ts";
import type { SessionTransport } from "../transport/http/remote_transport.ts";
import { STATELESS_REVISION } from "./bridge_messages.ts";
import type { OwnRequests } from "./own_requests.ts";
import type { ToolGate } from "./tools/tool_gate.ts";

/** The revision an exchange runs at. */
export type ExchangeMode = "unsettled" | "session" | "stateless" | "bridged";

/** The parts the exchange sets. */
export interface ExchangeOptions {
  /** The proxy's own requests: their envelope. */
  own: OwnRequests;
  /** The backend side: its `MCP-Protocol-Version` header. */
  remote: Pick<SessionTransport, "setProtocolVersion">;
  /** The gate: a stateless exchange has no `initialize` to start it. */
  gate: ToolGate;
}

/** The exchange's mode and what follows from it; see the module doc. */
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

  /** The client sent `initialize`: a session, whatever a probe before it set up. */
  initializing(): void {
    this.#mode = "session";
    this.#o.own.useEnvelope(undefined);
    this.#o.remote.setProtocolVersion("");
  }

  /** The server answered `initialize` at `version`: every later request names it. */
  initialized(version: string): void {
    this.#o.remote.setProtocolVersion(version);
  }

  /**
   * A client request goes upstream: the first that carries the protocol
   * envelope makes the exchange stateless, and starts the gate.
   */
  sending(request: JSONRPCRequest): void {
    if (this.#mode === "stateless" || this.#mode === "bridged") return;
    const revision = this.#o.own.useEnvelopeOf(request);
    if (revision === undefined) return;
    this.#mode = "stateless";
    this.#o.gate.stateless();
    this.#o.remote.setProtocolVersion(revision);
  }

  /** The server refused the client's `initialize` for 2026-07-28: the proxy speaks it for the client. */
  bridging(envelope: Record<string, unknown>): void {
    this.#mode = "bridged";
    this.#o.remote.setProtocolVersion(STATELESS_REVISION);
    this.#o.own.useEnvelope(envelope);
  }
}
