/**
 * The requests the renewing remote has sent and whose answers have not come:
 * what to do with each when its session ends (send it again on the new one,
 * when that is safe, else answer it) or when its event stream ends without
 * its answer (see {@linkcode afterStreamEnd}). Answers it writes itself are
 * delivered as if the backend had sent them.
 *
 * @module
 */
import {
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from "../../mcp_sdk.ts";
import { describeError, type Logger } from "../../log.ts";
import { afterStreamEnd } from "../../retry_policy.ts";

interface Entry {
  request: JSONRPCRequest;
  /** Whether `send` has returned, so the answer is to come on a stream. */
  sent: boolean;
  /** Whether it was sent again after its stream ended without an answer (at most once). */
  resent: boolean;
}

/** Options for {@linkcode InFlightRequests}. */
export interface InFlightOptions {
  /** Whether a request may be sent again when it is not known whether it ran. */
  canReplay: (request: JSONRPCRequest) => boolean;
  /** Says what is sent again. */
  logger: Logger;
  /** Scrubs secrets from the error texts it gives the client; none by default. */
  redact?: ((text: string) => string) | undefined;
  /** Delivers an answer written here, as the backend's answers are delivered. */
  deliver: (message: JSONRPCMessage) => void;
}

/** The requests in flight to the backend; see the module doc. */
export class InFlightRequests {
  #options: InFlightOptions;
  #entries = new Map<RequestId, Entry>();

  /** An empty table. */
  constructor(options: InFlightOptions) {
    this.#options = options;
  }

  /** Records `request` as about to be sent (again). */
  add(request: JSONRPCRequest): void {
    const resent = this.#entries.get(request.id)?.resent ?? false;
    this.#entries.set(request.id, { request, sent: false, resent });
  }

  /** Records that request `id` went out, so its answer is to come on a stream. */
  sent(id: RequestId): void {
    const entry = this.#entries.get(id);
    if (entry) entry.sent = true;
  }

  /** Forgets request `id` (answered, cancelled or failed); whether it was here. */
  drop(id: RequestId): boolean {
    return this.#entries.delete(id);
  }

  /** Answers request `id` with an error, if it is still waiting. */
  fail(id: RequestId, message: string): void {
    if (!this.#entries.delete(id)) return;
    this.#options.deliver({
      jsonrpc: "2.0",
      id,
      error: { code: ErrorCode.InternalError, message },
    });
  }

  /** One line for `error`, scrubbed of secrets, for the client. */
  describe(error: unknown): string {
    const text = describeError(error);
    return this.#options.redact?.(text) ?? text;
  }

  /**
   * The session ended: each request whose answer was to come on its streams
   * is sent again through `replay` when that is safe, else answered.
   */
  recover(replay: (request: JSONRPCRequest) => Promise<void>): void {
    for (const [id, entry] of this.#entries) {
      if (!entry.sent) continue; // its own send() is renewing and will send it again
      const { request } = entry;
      if (this.#options.canReplay(request)) {
        this.#options.logger.info(`sending ${request.method} again on the new session`);
        entry.sent = false;
        replay(request).then(
          () => this.sent(id),
          (error) => this.fail(id, `${request.method} failed: ${this.describe(error)}`),
        );
      } else {
        this.fail(
          id,
          `The server's session ended while ${request.method} was in flight; it may or may not have run. Check before trying again`,
        );
      }
    }
  }

  /**
   * Request `id`'s event stream ended, and the SDK will not resume it: if its
   * answer has not come, it never will, so the client is told now rather
   * than at the timeout, or the request is sent once more through `resend`
   * when that is safe.
   */
  streamEnded(id: RequestId, resend: (request: JSONRPCRequest) => Promise<void>): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const { request } = entry;
    const method = request.method;
    // Asked only when it could go again: asking spends its resend budget.
    const safe = !entry.resent && this.#options.canReplay(request);
    if (afterStreamEnd({ resent: entry.resent, safe }) === "resend") {
      this.#options.logger.info(
        `the server's stream ended before it answered ${method}; sending it again`,
      );
      entry.resent = true;
      resend(request).catch((error) => this.fail(id, `${method} failed: ${this.describe(error)}`));
      return;
    }
    this.fail(
      id,
      `The server's event stream ended before it answered ${method}, with no event id to resume from${
        method === "tools/call"
          ? "; the call may or may not have run. Check before trying again"
          : ". Try again"
      }`,
    );
  }

  /** Answers request `id`, whose stream had a line over `limit` bytes and was ended. */
  overlong(id: RequestId, limit: number): void {
    const method = this.#entries.get(id)?.request.method;
    if (method === undefined) return;
    this.fail(
      id,
      `The server's answer to ${method} has a line longer than the ${limit} byte limit; it was dropped`,
    );
  }
}
