/**
 * The server side as the relay sees it: the SDK's `Transport`, plus what the
 * relay needs of the backend (per-request headers and stream callbacks, the
 * protocol-version header, ending the session, giving up on one request).
 * `RenewingRemote` is the one the proxy runs; tests give stand-ins.
 *
 * @module
 */
import type { JSONRPCMessage, RequestId, Transport } from "../../mcp_sdk.ts";

/** What a send to the backend may add: HTTP headers derived from the message (`Mcp-Param-*`). */
export interface RemoteSendOptions {
  /** Sent with this request only, and signed with the rest. */
  headers?: Readonly<Record<string, string>>;
  /** Closes this request's response stream when aborted. */
  requestSignal?: AbortSignal;
  /** Called when this request's response stream ends, unless it was aborted. */
  onRequestStreamEnd?: () => void;
}

/** A transport to the backend, as the SDK's `StreamableHTTPClientTransport` is one. */
export interface SessionTransport extends Transport {
  /** Sends `message`, with `options.headers` on its HTTP request. */
  send(message: JSONRPCMessage, options?: RemoteSendOptions): Promise<void>;
  /** Sets the `mcp-protocol-version` header sent from now on; the empty string sends none. */
  setProtocolVersion(version: string): void;
  /** Ends the HTTP session with a DELETE, when there is one. */
  terminateSession(): Promise<void>;
  /** The `Mcp-Session-Id` the backend assigned, once initialized. */
  readonly sessionId?: string | undefined;
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
