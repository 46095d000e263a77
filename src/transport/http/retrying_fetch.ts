/**
 * A `fetch` wrapper that gives each HTTP attempt a deadline for its response
 * headers and tries again what is safe to try again, with backoff, jitter and
 * `Retry-After` (see {@linkcode retryDelayMs}). It wraps the signing fetch, so
 * every attempt is signed anew.
 *
 * @module
 */
import { setTimeout as delay } from "node:timers/promises";
import { followAbort } from "./abort_link.ts";
import type { FetchLike } from "../../mcp_sdk.ts";
import type { Logger } from "../../log.ts";
import {
  type AttemptFailure,
  DEFAULT_RETRY_POLICY,
  failureOfError,
  failureOfStatus,
  mayResend,
  parseRetryAfter,
  retryDelayMs,
  type RetryPolicy,
} from "../../retry_policy.ts";

/** Options for {@linkcode createRetryingFetch}. */
export interface RetryingFetchOptions {
  /** Milliseconds an attempt may wait for the response headers. */
  timeoutMs: number;
  /** How many retries and how long between them; the AWS SDKs' defaults when absent. */
  policy?: RetryPolicy;
  /**
   * Whether a request body may be sent again after a failure that may have
   * reached the server (a 502/504, a dropped connection, a timeout). Bodies
   * are only inspected after such a failure. Everything is resendable when
   * absent.
   */
  canResend?: (body: string) => boolean;
  /**
   * Asked before each retry, with the body: false when the request has spent
   * its budget of resends across every layer (see `resend_budget.ts`).
   */
  mayRetry?: (body: unknown) => boolean;
  /** Says what is retried and why. */
  logger: Logger;
  /** The jitter source; `Math.random` unless given. */
  random?: () => number;
  /** Waits between attempts; a timer unless given (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

type Attempt = { response: Response } | { error: unknown };

async function attemptOnce(
  next: FetchLike,
  input: string | URL,
  init: RequestInit | undefined,
  timeoutMs: number,
): Promise<Attempt> {
  const attempt = new AbortController();
  const timer = setTimeout(
    () =>
      attempt.abort(
        new DOMException(`no response within ${timeoutMs / 1000} s (--timeout)`, "TimeoutError"),
      ),
    timeoutMs,
  );
  // The caller's signal (the transport's, closed on shutdown) also ends the body stream.
  if (init?.signal) followAbort(init.signal, attempt);
  try {
    return { response: await next(input, { ...init, signal: attempt.signal }) };
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

function failureOf(attempt: Attempt): AttemptFailure | undefined {
  if ("error" in attempt) return failureOfError(attempt.error);
  const { status, headers } = attempt.response;
  return status < 400 ? undefined : failureOfStatus(status, headers.get("x-amzn-errortype"));
}

function describeFailure(attempt: Attempt): string {
  if ("response" in attempt) return `HTTP ${attempt.response.status}`;
  const error = attempt.error;
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/**
 * Wraps `next` with a per-attempt response deadline and safe retries.
 *
 * @example
 * ```ts
 * import { createRetryingFetch } from "./retrying_fetch.ts";
 * import { createLogger } from "../../log.ts";
 * const patientFetch = createRetryingFetch(fetch, {
 *   timeoutMs: 30_000,
 *   logger: createLogger({ level: "error" }),
 * });
 * typeof patientFetch; // "function"
 * ```
 */
export function createRetryingFetch(next: FetchLike, options: RetryingFetchOptions): FetchLike {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? delay;
  const canResend = options.canResend ?? (() => true);
  return async (input, init) => {
    const method = (init?.method ?? "GET").toUpperCase();
    const body = init?.body;
    for (let retry = 0;; retry++) {
      const attempt = await attemptOnce(next, input, init, options.timeoutMs);
      const failure = failureOf(attempt);
      const resendable = () => typeof body === "string" ? canResend(body) : body == null;
      const wait = failure === undefined || retry >= policy.retries ||
          !mayResend(failure, resendable()) || options.mayRetry?.(body) === false
        ? undefined
        : retryDelayMs(
          retry,
          policy,
          random,
          "response" in attempt
            ? parseRetryAfter(attempt.response.headers.get("retry-after"), Date.now())
            : undefined,
        );
      if (wait === undefined) {
        if ("response" in attempt) return attempt.response;
        throw attempt.error;
      }
      if ("response" in attempt) await attempt.response.body?.cancel().catch(() => {});
      options.logger.info(
        `${method} ${describeFailure(attempt)} (${failure}); retry ${
          retry + 1
        } of ${policy.retries} in ${wait} ms`,
      );
      await sleep(wait);
      if (init?.signal?.aborted) throw init.signal.reason;
    }
  };
}
