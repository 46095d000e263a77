/**
 * What the renewing remote does for a request whose answer will not come on
 * the stream it was due on: when its session ends, it is sent again on the
 * new one when that is safe, else answered; when its event stream ends
 * without its answer (see {@linkcode afterStreamEnd}), or has a line over the
 * limit, it is sent once more or answered. Answers written here are
 * delivered as if the backend had sent them, so the relay answers the client
 * and removes the request's record as for any answer. The state it reads
 * and sets is the request's one record (`request_record.ts`).
 *
 * @module
 */
import { ErrorCode, type JSONRPCMessage, type JSONRPCRequest } from "../../mcp_sdk.ts";
import { describeError, type Logger } from "../../log.ts";
import { afterStreamEnd } from "../../retry_policy.ts";
import { answerDue, type RequestRecord } from "./request_record.ts";

/** Options for {@linkcode AnswerRecovery}. */
export interface AnswerRecoveryOptions {
  /** Whether a request may be sent again when it is not known whether it ran. */
  canReplay: (request: JSONRPCRequest) => boolean;
  /** Says what is sent again. */
  logger: Logger;
  /** Scrubs secrets from the error texts it gives the client; none by default. */
  redact?: ((text: string) => string) | undefined;
  /** Delivers an answer written here, as the backend's answers are delivered. */
  deliver: (message: JSONRPCMessage) => void;
}

/** Recovers answers lost with a session or a stream; see the module doc. */
export class AnswerRecovery {
  #options: AnswerRecoveryOptions;

  /** Recovery with `options`' policy and way out. */
  constructor(options: AnswerRecoveryOptions) {
    this.#options = options;
  }

  /** Answers `record`'s request with an error, unless its answer came. */
  fail(record: RequestRecord, message: string): void {
    const request = record.request;
    if (!request || record.answered) return;
    record.answered = true;
    this.#options.deliver({
      jsonrpc: "2.0",
      id: request.id,
      error: { code: ErrorCode.InternalError, message },
    });
  }

  /** One line for `error`, scrubbed of secrets, for the client. */
  describe(error: unknown): string {
    const text = describeError(error);
    return this.#options.redact?.(text) ?? text;
  }

  /**
   * The session ended: each request whose answer was due on its streams is
   * sent again through `replay` when that is safe, else answered.
   */
  recover(
    records: Iterable<RequestRecord>,
    replay: (request: JSONRPCRequest) => Promise<void>,
  ): void {
    for (const record of [...records]) {
      // One not sent yet is renewing in its own send(), which will send it again.
      const request = record.request;
      if (!request || !answerDue(record)) continue;
      if (this.#options.canReplay(request)) {
        this.#options.logger.info(`sending ${request.method} again on the new session`);
        replay(request).catch((error) =>
          this.fail(record, `${request.method} failed: ${this.describe(error)}`)
        );
      } else {
        this.fail(
          record,
          `The server's session ended while ${request.method} was in flight; it may or may not have run. Check before trying again`,
        );
      }
    }
  }

  /**
   * `record`'s event stream ended, and the transport will not resume it: if its
   * answer has not come, it never will, so the client is told now rather
   * than at the timeout, or the request is sent once more through `resend`
   * when that is safe.
   */
  streamEnded(record: RequestRecord, resend: (request: JSONRPCRequest) => Promise<void>): void {
    const request = record.request;
    if (!request || !answerDue(record)) return;
    const method = request.method;
    // Asked only when it could go again: asking spends its resend budget.
    const resent = record.resentAfterEnd;
    const safe = !resent && this.#options.canReplay(request);
    if (afterStreamEnd({ resent, safe }) === "resend") {
      this.#options.logger.info(
        `the server's stream ended before it answered ${method}; sending it again`,
      );
      record.resentAfterEnd = true;
      resend(request).catch((error) =>
        this.fail(record, `${method} failed: ${this.describe(error)}`)
      );
      return;
    }
    this.fail(
      record,
      `The server's event stream ended before it answered ${method}, with no event id to resume from${
        method === "tools/call"
          ? "; the call may or may not have run. Check before trying again"
          : ". Try again"
      }`,
    );
  }

  /** Answers `record`'s request, whose stream had a line over `limit` bytes and was ended. */
  overlong(record: RequestRecord, limit: number): void {
    const method = record.request?.method;
    if (method === undefined) return;
    this.fail(
      record,
      `The server's answer to ${method} has a line longer than the ${limit} byte limit; it was dropped`,
    );
  }
}
