/**
 * When a failed HTTP attempt may be sent again, and after how long. Pure: the
 * clock and the random source are parameters.
 *
 * The rules follow the AWS SDKs' standard retry mode (exponential backoff
 * with full jitter, a 20 s cap, throttling and 5xx as transient), with one
 * addition for MCP: a request that may already have reached the server is
 * only sent again when it is safe to run twice.
 *
 * @module
 */

/** Why an attempt failed, as far as retrying is concerned. */
export type AttemptFailure =
  /** HTTP 429, or an AWS throttling error: the server did not run the request. */
  | "throttled"
  /** HTTP 503: the service did not take the request. */
  | "unavailable"
  /** HTTP 502 or 504: a gateway gave up; the server may have run the request. */
  | "gateway"
  /** The connection failed before the request was sent. */
  | "not-sent"
  /** The connection failed or timed out after the request may have been sent. */
  | "lost";

/** How many times, and how patiently, to try again. */
export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** The backoff base: attempt n waits up to `baseDelayMs * 2^n`. */
  baseDelayMs: number;
  /** The longest wait between attempts; a longer `Retry-After` is not waited for. */
  maxDelayMs: number;
}

/** The AWS SDKs' defaults: two retries, 100 ms base, 20 s cap. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 2,
  baseDelayMs: 100,
  maxDelayMs: 20_000,
};

/** The `x-amzn-errortype` values AWS uses for throttling (before any `:` detail). */
const THROTTLING_TYPES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
  "LimitExceededException",
]);

/**
 * Classifies an HTTP answer; `undefined` when it is not worth another try.
 * `errorType` is the `x-amzn-errortype` header, if any.
 */
export function failureOfStatus(
  status: number,
  errorType: string | null = null,
): AttemptFailure | undefined {
  if (status === 429) return "throttled";
  if (status === 503) return "unavailable";
  if (status === 502 || status === 504) return "gateway";
  const type = errorType?.split(":")[0]?.trim();
  if (status === 400 && type && THROTTLING_TYPES.has(type)) return "throttled";
  return undefined;
}

/** How Deno's fetch (and Node's) say that a connection was never made. */
export const CONNECT_FAILURE =
  /\(Connect\)|connection refused|ECONNREFUSED|dns error|failed to lookup|Name or service not known|tcp connect/i;

/**
 * Classifies a thrown fetch error; `undefined` when it is not worth another
 * try (the caller aborted, a permission is missing, credentials failed).
 * Deno reports a failed connect as `client error (Connect)` in the cause.
 */
export function failureOfError(error: unknown): AttemptFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === "TimeoutError") return "lost";
  if (!(error instanceof TypeError)) return undefined;
  const detail = `${error.message} ${error.cause instanceof Error ? error.cause.message : ""}`;
  if (CONNECT_FAILURE.test(detail)) {
    return "not-sent";
  }
  return "lost";
}

/** Whether a request that failed this way may be sent again; `resendable` says it is safe to run twice. */
export function mayResend(failure: AttemptFailure, resendable: boolean): boolean {
  return failure === "throttled" || failure === "unavailable" || failure === "not-sent" ||
    resendable;
}

/**
 * Reads a `Retry-After` header (seconds, or an HTTP date) as milliseconds
 * from `nowMs`; `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * How long to wait before retry number `retry` (0 for the first retry):
 * full jitter over `baseDelayMs * 2^retry`, capped, and never less than the
 * server's `Retry-After`. `undefined` when the server asks for a longer wait
 * than the cap, so the caller gives up and reports it instead of stalling.
 */
export function retryDelayMs(
  retry: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): number | undefined {
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxDelayMs) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}
