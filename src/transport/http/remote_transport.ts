/**
 * The server side as the relay sees it: the SDK's `Transport`, plus what the
 * relay needs of the backend (per-request headers and stream callbacks, the
 * protocol-version header, ending the session, giving up on one request).
 * `RenewingRemote` is the one the proxy runs; tests give stand-ins.
 *
 * @module
 */
import type { JSONRPCMessage, JSONRPCRequest, RequestId, Transport } from "../../mcp_sdk.ts";
import type { Logger } from "../../log.ts";
import type { ResendBudget } from "./resend_budget.ts";
import type { RequestRecords } from "./request_record.ts";

/** What a send to the backend may add: HTTP headers derived from the message (`Mcp-Param-*`). */
export interface RemoteSendOptions {
  /** Sent with this request only, and signed with the rest. */
  headers?: Readonly<Record<string, string>>;
  /** Closes this request's response stream when aborted. */
  requestSignal?: AbortSignal;
  /** Called when this request's response stream ends, unless it was aborted. */
  onRequestStreamEnd?: () => void;
}

/** A transport to the backend, as `StreamableHttp` (and the SDK's `StreamableHTTPClientTransport`) is one. */
export interface SessionTransport extends Transport {
  /** Sends `message`, with `options.headers` on its HTTP request. */
  send(message: JSONRPCMessage, options?: RemoteSendOptions): Promise<void>;
  /** Sets the `mcp-protocol-version` header sent from now on; the empty string sends none. */
  setProtocolVersion(version: string): void;
  /** Ends the HTTP session with a DELETE, when there is one. */
  terminateSession(): Promise<void>;
  /** The `Mcp-Session-Id` the backend assigned, once initialized. */
  readonly sessionId?: string | undefined;
  /** Called when the stream of request `id` was cut at a line over `limit` bytes (not resumed). */
  onoverlong?: (id: RequestId | undefined, limit: number) => void;
}

/** The server-side transport the proxy uses: a `RenewingRemote`, or a test's stand-in. */
export interface RemoteTransport extends SessionTransport {
  /**
   * Stops waiting for request `id`: closes its response stream, which is how
   * a stateless exchange (2026-07-28) cancels a request, and never sends it
   * again.
   */
  abandon(id: RequestId): void;
  /** Called when the transport begins to start a new backend session. */
  onrenewing?: () => void;
}

/** Options for `RenewingRemote`, the remote transport the proxy runs. */
export interface RenewingRemoteOptions {
  /** The records of the requests in flight, where the remote keeps what it knows of each. */
  requests: RequestRecords;
  /** Opens a fresh transport to the backend, with no session. */
  open: () => SessionTransport;
  /**
   * Whether a request that was in flight when its session ended may be sent
   * again on the new session: the backend may or may not have run it.
   */
  canReplay: (request: JSONRPCRequest) => boolean;
  /**
   * Asked before a request judged on the old session is sent on a new one,
   * whose server may offer other tools: an answer to give the client instead
   * of sending it, or `undefined` to send it.
   */
  recheck?: (request: JSONRPCRequest) => Promise<JSONRPCMessage | undefined>;
  /** Milliseconds the re-initialization may take. */
  timeoutMs: number;
  /** Says when a session is renewed. */
  logger: Logger;
  /** Scrubs secrets from the error texts it gives the client; none by default. */
  redact?: (text: string) => string;
  /** The resends each request may still cause, shared with the fetch layers; unlimited if absent. */
  budget?: ResendBudget;
  /** Told when a backend session has ended (before a new one starts, and at shutdown). */
  onSessionEnd?: () => void;
}
