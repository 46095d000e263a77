/**
 * A remote transport that outlives the backend's session. When the backend
 * answers 404 for the current `Mcp-Session-Id` (the session expired, or the
 * backend restarted), it opens a new transport, initializes it with the
 * client's original `initialize` parameters, sends
 * `notifications/initialized`, and sends the failed message again, so the
 * client never sees the change.
 *
 * The SDK's `StreamableHTTPClientTransport` keeps one session for its life,
 * and the MCP SDKs offer no session renewal, hence this wrapper.
 *
 * @module
 */
import {
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
  type Transport,
} from "../../mcp_sdk.ts";
import { describeError, type Logger } from "../../log.ts";
import {
  cancelledRequestId,
  isErrorResponse,
  isNotification,
  isRequest,
  isResponse,
} from "../../jsonrpc/message_kind.ts";
import { STREAM_END_METHOD, type StreamEnd } from "./stream_guard.ts";
import { afterStreamEnd, sessionGone } from "../../retry_policy.ts";
import { ownId } from "../../jsonrpc/request_ids.ts";

/** The server-side transport: the SDK's `StreamableHTTPClientTransport`, or a {@linkcode RenewingRemote} around it. */
export interface RemoteTransport extends Transport {
  /** Sets the `mcp-protocol-version` header sent from now on. */
  setProtocolVersion(version: string): void;
  /** Ends the HTTP session with a DELETE, when there is one. */
  terminateSession(): Promise<void>;
  /** Called when the transport begins to start a new backend session. */
  onrenewing?: () => void;
}

/** A transport to the backend that knows its session, as `StreamableHTTPClientTransport` does. */
export interface SessionTransport extends RemoteTransport {
  /** The `Mcp-Session-Id` the backend assigned, once initialized. */
  readonly sessionId?: string | undefined;
}

/** Options for {@linkcode RenewingRemote}. */
export interface RenewingRemoteOptions {
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
}

interface InFlight {
  request: JSONRPCRequest;
  /** Whether `send` has returned, so the answer is to come on a stream. */
  sent: boolean;
  /** Whether it was sent again after its stream ended without an answer (at most once). */
  resent?: boolean;
}

/** A {@linkcode RemoteTransport} that renews an expired backend session; see the module doc. */
export class RenewingRemote implements RemoteTransport {
  /** Called with every message from the backend. */
  onmessage?: (message: JSONRPCMessage) => void;
  /** Called with transport errors (logged by the proxy). */
  onerror?: (error: Error) => void;
  /** Called once when the transport is closed. */
  onclose?: () => void;
  /** Called when a session renewal begins: the new session may offer other tools. */
  onrenewing?: () => void;

  #options: RenewingRemoteOptions;
  #current: SessionTransport;
  #renewing: Promise<void> | undefined;
  #initializeParams: JSONRPCRequest["params"] | undefined;
  #protocolVersion: string | undefined;
  #inFlight = new Map<RequestId, InFlight>();
  #renewals = 0;
  /** The answer awaited by the renewal under way (renewals never overlap). */
  #renewAnswer: { id: string; resolve: (message: JSONRPCMessage) => void } | undefined;
  #closed = false;

  /** Opens the first transport; nothing is sent until {@linkcode RenewingRemote.start}. */
  constructor(options: RenewingRemoteOptions) {
    this.#options = options;
    this.#current = this.#wire(options.open());
  }

  /** The current backend session id. */
  get sessionId(): string | undefined {
    return this.#current.sessionId;
  }

  /** Starts the first transport. */
  start(): Promise<void> {
    return this.#current.start();
  }

  /** Sends `message`, renewing the session first when the backend has forgotten it. */
  async send(message: JSONRPCMessage): Promise<void> {
    if (isRequest(message)) {
      if (message.method === "initialize") this.#initializeParams = message.params;
      const resent = this.#inFlight.get(message.id)?.resent;
      this.#inFlight.set(message.id, {
        request: message,
        sent: false,
        ...(resent ? { resent } : {}),
      });
    }
    const cancelled = cancelledRequestId(message);
    if (cancelled !== undefined) this.#inFlight.delete(cancelled);
    try {
      for (let attempt = 0;; attempt++) {
        let transport = this.#current;
        if (this.#renewing) {
          transport = await this.#ready();
          if (await this.#refusedOnRenewal(message)) return;
        }
        const hadSession = transport.sessionId !== undefined;
        try {
          await transport.send(message);
        } catch (error) {
          const replaced = transport !== this.#current;
          if (attempt === 0 && !this.#closed && (replaced || sessionGone(error, hadSession))) {
            await this.#renew(transport);
            if (await this.#refusedOnRenewal(message)) return;
            continue;
          }
          throw error;
        }
        if (isRequest(message)) {
          const entry = this.#inFlight.get(message.id);
          if (entry) entry.sent = true;
        }
        return;
      }
    } catch (error) {
      if (isRequest(message)) this.#inFlight.delete(message.id);
      throw error;
    }
  }

  /** Remembers the negotiated protocol version for this and every later session. */
  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
    this.#current.setProtocolVersion(version);
  }

  /** Ends the current session with a DELETE. */
  terminateSession(): Promise<void> {
    return this.#current.terminateSession();
  }

  /** Closes the current transport. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#current.close();
  }

  #wire(transport: SessionTransport): SessionTransport {
    transport.onmessage = (message) => {
      if (isNotification(message) && message.method === STREAM_END_METHOD) {
        // Only the current session's streams: a request replayed elsewhere still has its answer to come.
        if (transport === this.#current && !this.#renewing) {
          this.#streamEnded(message.params as unknown as StreamEnd);
        }
        return;
      }
      if (transport !== this.#current && !this.#renewing) return;
      this.#fromBackend(message);
    };
    transport.onerror = (error) => {
      this.onerror?.(error);
      // A stream of the current session answered 404: renew now, not at the next request.
      if (transport === this.#current && sessionGone(error, transport.sessionId !== undefined)) {
        this.#renew(transport).catch((e) =>
          this.#options.logger.warn(`cannot start a new session: ${describeError(e)}`)
        );
      }
    };
    transport.onclose = () => {
      if (transport === this.#current) this.onclose?.();
    };
    return transport;
  }

  #fromBackend(message: JSONRPCMessage): void {
    if (isResponse(message) && message.id !== undefined) {
      if (this.#renewAnswer?.id === message.id) {
        this.#renewAnswer.resolve(message);
        return;
      }
      this.#inFlight.delete(message.id);
    }
    this.onmessage?.(message);
  }

  /**
   * A request's event stream ended: if its answer has not come and the SDK
   * will not resume the stream, it never will, so the client is told now
   * rather than at the timeout.
   */
  #streamEnded(end: StreamEnd): void {
    const entry = this.#inFlight.get(end.request);
    if (!entry) return;
    const { request } = entry;
    const method = request.method;
    const action = afterStreamEnd(
      { resumable: end.resumable, overlong: end.overlong !== undefined },
      { resent: entry.resent === true, safe: this.#options.canReplay(request) },
    );
    if (action === "wait") return;
    if (action === "resend") {
      // Safe to repeat (the proxy retries such requests after a 502 or 504 too): once more.
      this.#options.logger.info(
        `the server's stream ended before it answered ${method}; sending it again`,
      );
      entry.resent = true;
      this.send(request).catch((error) =>
        this.#failInFlight(request.id, `${method} failed: ${this.#describe(error)}`)
      );
      return;
    }
    this.#failInFlight(
      end.request,
      end.overlong !== undefined
        ? `The server's answer to ${method} has a line longer than the ${end.overlong} byte limit; it was dropped`
        : `The server's event stream ended before it answered ${method}, with no event id to resume from${
          method === "tools/call"
            ? "; the call may or may not have run. Check before trying again"
            : ". Try again"
        }`,
    );
  }

  /** Whether `message` was answered by `recheck` instead of being sent on a new session. */
  async #refusedOnRenewal(message: JSONRPCMessage): Promise<boolean> {
    if (!isRequest(message) || !this.#options.recheck) return false;
    const refusal = await this.#options.recheck(message);
    if (refusal === undefined) return false;
    this.#inFlight.delete(message.id);
    this.onmessage?.(refusal);
    return true;
  }

  /** The transport to send on: the current one, once any renewal has finished. */
  async #ready(): Promise<SessionTransport> {
    while (this.#renewing) await this.#renewing.catch(() => {});
    return this.#current;
  }

  /** Replaces `stale` by a new, initialized session; once, however many callers find it stale. */
  #renew(stale: SessionTransport): Promise<void> {
    if (stale !== this.#current) return Promise.resolve();
    if (this.#renewing) return this.#renewing;
    this.#renewing = this.#startSession(stale).finally(() => {
      this.#renewing = undefined;
    });
    // Told once the renewal is under way, so what the listener sends waits for the new session.
    this.onrenewing?.();
    return this.#renewing;
  }

  async #startSession(stale: SessionTransport): Promise<void> {
    const params = this.#initializeParams;
    if (params === undefined) throw new Error("the session ended before the client initialized");
    const log = this.#options.logger;
    log.info(`the server ended session ${stale.sessionId ?? "?"}; starting a new one`);
    const fresh = this.#wire(this.#options.open());
    await fresh.start();
    const id = ownId(`renew-${++this.#renewals}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answer = new Promise<JSONRPCMessage>((resolve, reject) => {
      this.#renewAnswer = { id, resolve };
      timer = setTimeout(
        () =>
          reject(new Error(`initialize got no answer within ${this.#options.timeoutMs / 1000} s`)),
        this.#options.timeoutMs,
      );
    });
    try {
      await fresh.send({ jsonrpc: "2.0", id, method: "initialize", params });
      const reply = await answer;
      if (isErrorResponse(reply)) throw new Error(`initialize failed: ${reply.error.message}`);
      const answered = (reply as { result?: { protocolVersion?: unknown } }).result
        ?.protocolVersion;
      const version = typeof answered === "string" ? answered : this.#protocolVersion;
      if (version) fresh.setProtocolVersion(version);
      await fresh.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    } catch (error) {
      await fresh.close().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
      this.#renewAnswer = undefined;
    }
    this.#current = fresh;
    log.info(`new session ${fresh.sessionId ?? "(none)"} started`);
    // The old session is gone on the server; closing only stops its streams and timers.
    await stale.close().catch(() => {});
    this.#recoverInFlight(fresh);
  }

  /** Requests whose answer was to come on the old session's streams: replayed or answered. */
  #recoverInFlight(fresh: SessionTransport): void {
    for (const [id, entry] of this.#inFlight) {
      if (!entry.sent) continue; // its own send() is renewing and will send it again
      const { request } = entry;
      if (this.#options.canReplay(request)) {
        this.#options.logger.info(`sending ${request.method} again on the new session`);
        entry.sent = false;
        this.#refusedOnRenewal(request)
          .then((refused) =>
            refused ? undefined : fresh.send(request).then(() => entry.sent = true)
          )
          .catch((error) =>
            this.#failInFlight(id, `${request.method} failed: ${this.#describe(error)}`)
          );
      } else {
        this.#failInFlight(
          id,
          `The server's session ended while ${request.method} was in flight; it may or may not have run. Check before trying again`,
        );
      }
    }
  }

  /** One line for `error`, scrubbed of secrets, for the client. */
  #describe(error: unknown): string {
    const text = describeError(error);
    return this.#options.redact?.(text) ?? text;
  }

  #failInFlight(id: RequestId, message: string): void {
    if (!this.#inFlight.delete(id)) return;
    this.onmessage?.({ jsonrpc: "2.0", id, error: { code: ErrorCode.InternalError, message } });
  }
}
