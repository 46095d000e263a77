/**
 * A remote transport that outlives the backend's session. When the backend
 * answers 404 for the current `Mcp-Session-Id` (the session expired, or the
 * backend restarted), it opens a new transport, initializes it with the
 * client's original `initialize` parameters, sends
 * `notifications/initialized`, and sends the failed message again, so the
 * client never sees the change.
 *
 * A Streamable HTTP transport (the SDK's, or `StreamableHttp`) keeps one
 * session for its life, and the MCP SDKs offer no session renewal, hence
 * this wrapper.
 *
 * @module
 */
import { setTimeout as delay } from "node:timers/promises";
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from "../../mcp_sdk.ts";
import type {
  RemoteSendOptions,
  RemoteTransport,
  RenewingRemoteOptions,
  SessionTransport,
} from "./remote_transport.ts";
import { describeError } from "../../log.ts";
import { isErrorResponse, isRequest, isResponse } from "../../jsonrpc/message_kind.ts";
import { sessionGone } from "../../retry_policy.ts";
import { AnswerRecovery } from "./answer_recovery.ts";
import type { RequestRecord } from "./request_record.ts";
import { ownId } from "../../jsonrpc/request_ids.ts";

/** How long ending the session waits for the DELETE's answer: the client is waiting for us to exit. */
const TERMINATE_TIMEOUT_MS = 2000;

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
  #recovery: AnswerRecovery;
  #renewals = 0;
  /** The answer awaited by the renewal under way (renewals never overlap). */
  #renewAnswer: { id: string; resolve: (message: JSONRPCMessage) => void } | undefined;
  #closed = false;

  /** Opens the first transport; nothing is sent until {@linkcode RenewingRemote.start}. */
  constructor(options: RenewingRemoteOptions) {
    this.#options = options;
    this.#recovery = new AnswerRecovery({
      canReplay: (request) =>
        options.canReplay(request) && options.budget?.spend(request.id) !== false,
      logger: options.logger,
      redact: options.redact,
      deliver: (message) => this.onmessage?.(message),
    });
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
  async send(message: JSONRPCMessage, options?: RemoteSendOptions): Promise<void> {
    const record = isRequest(message) ? this.#options.requests.get(message.id) : undefined;
    if (isRequest(message)) {
      if (message.method === "initialize") this.#initializeParams = message.params;
      if (record) {
        record.request = message;
        record.sent = record.answered = false;
        // Closing its stream is how the proxy stops waiting for it (and how a stateless
        // exchange cancels it): the transport then neither resumes nor reports that stream.
        record.stream ??= new AbortController();
        options = { ...options, requestSignal: record.stream.signal };
      }
    }
    for (let attempt = 0;; attempt++) {
      let transport = this.#current;
      if (this.#renewing) {
        transport = await this.#ready();
        if (await this.#refusedOnRenewal(message)) return;
      }
      const hadSession = transport.sessionId !== undefined;
      // The transport says when a request's stream ended; an answer not seen by then will not come.
      const sendOptions = record === undefined
        ? options
        : { ...options, onRequestStreamEnd: () => this.#streamEnded(transport, record) };
      try {
        await transport.send(message, sendOptions);
      } catch (error) {
        const replaced = transport !== this.#current;
        if (
          attempt === 0 && !this.#closed && (replaced || sessionGone(error, hadSession)) &&
          this.#mayResend(message)
        ) {
          await this.#renew(transport);
          if (await this.#refusedOnRenewal(message)) return;
          continue;
        }
        throw error;
      }
      if (record) record.sent = true;
      return;
    }
  }

  abandon(id: RequestId): void {
    const record = this.#options.requests.get(id);
    if (!record) return;
    // Never sent again, nor answered from here: the relay answers it.
    record.answered = true;
    record.stream?.abort();
  }

  /** Whether `message` may be sent once more: a request, only within its budget. */
  #mayResend(message: JSONRPCMessage): boolean {
    return !isRequest(message) || this.#options.budget?.spend(message.id) !== false;
  }

  /** Remembers the negotiated protocol version for this and every later session. */
  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
    this.#current.setProtocolVersion(version);
  }

  /** Ends the current session with a DELETE, waiting at most 2 s for the answer. */
  terminateSession(): Promise<void> {
    return Promise.race([
      this.#current.terminateSession(),
      delay(TERMINATE_TIMEOUT_MS).then(() => {
        throw new Error(`no answer within ${TERMINATE_TIMEOUT_MS} ms`);
      }),
    ]);
  }

  /** Closes the current transport. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#current.close();
    this.#options.onSessionEnd?.();
  }

  #wire(transport: SessionTransport): SessionTransport {
    transport.onmessage = (message) => {
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
    transport.onoverlong = (id, limit) => this.#overlong(id, limit);
    transport.onclose = () => {
      if (transport === this.#current) this.onclose?.();
    };
    return transport;
  }

  /** `record`'s stream on `transport` ended without being aborted. */
  #streamEnded(transport: SessionTransport, record: RequestRecord): void {
    // Only the current session's streams: a request replayed elsewhere still has its answer to come.
    if (transport !== this.#current || this.#renewing) return;
    // Only a record still in flight: its id may since name another request.
    const id = record.request?.id;
    if (id === undefined || this.#options.requests.get(id) !== record) return;
    this.#recovery.streamEnded(record, (request) => this.send(request));
  }

  /** The stream of request `id` had a line over `limit` and was ended. */
  #overlong(id: RequestId | undefined, limit: number): void {
    const record = id === undefined ? undefined : this.#options.requests.get(id);
    if (!record) return;
    this.#recovery.overlong(record, limit);
  }

  #fromBackend(message: JSONRPCMessage): void {
    if (isResponse(message) && message.id !== undefined) {
      if (this.#renewAnswer?.id === message.id) {
        this.#renewAnswer.resolve(message);
        return;
      }
      const record = this.#options.requests.get(message.id);
      if (record) record.answered = true;
    }
    this.onmessage?.(message);
  }

  /** Whether `message` was answered by `recheck` instead of being sent on a new session. */
  async #refusedOnRenewal(message: JSONRPCMessage): Promise<boolean> {
    if (!isRequest(message) || !this.#options.recheck) return false;
    const refusal = await this.#options.recheck(message);
    if (refusal === undefined) return false;
    const record = this.#options.requests.get(message.id);
    if (record) record.answered = true;
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
    this.#options.onSessionEnd?.();
    const params = this.#initializeParams;
    if (params === undefined) throw new Error("the session ended before the client initialized");
    const log = this.#options.logger;
    // Session ids are bearer values: never logged.
    log.info("the server ended the session; starting a new one");
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
    log.info("new session started");
    // The old session is gone on the server; closing only stops its streams and timers.
    await stale.close().catch(() => {});
    this.#recovery.recover(this.#options.requests.records(), async (request) => {
      if (!(await this.#refusedOnRenewal(request))) await fresh.send(request);
    });
  }
}
