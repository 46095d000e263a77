/**
 * Every rule by which the proxy sends a request to the backend more than
 * once, in one place; each layer asks here. Pure: the clock and the random
 * source are parameters.
 *
 * How many times one request can be sent, and why:
 *
 * | layer | when | again |
 * | --- | --- | --- |
 * | retrying fetch | 429, throttling, 503, no connection: the server did not run it | up to `retries` (2) times, with backoff |
 * | retrying fetch | 502, 504, a connection lost after sending, no headers in time | the same, only if safe to run twice |
 * | signer | 401/403 for a skewed clock, a stale token or a signature that fresh credentials may fix | once per attempt, re-signed ({@linkcode resignAfter}) |
 * | session renewal | the backend forgot the session ({@linkcode sessionGone}) | once, on the new session |
 * | session renewal | a request in flight when the session ended | once on the new session if safe, else answered |
 * | stream end | the answer's stream ended without it and without an event id | once if safe ({@linkcode afterStreamEnd}) |
 * | HTTP transport | an event stream with an event id dropped | resumed (not re-sent), {@linkcode SSE_RECONNECTION} |
 *
 * "Safe to run twice" is the tool gate's word: anything but a `tools/call`,
 * or a `tools/call` of a tool annotated `readOnlyHint` or `idempotentHint`.
 * The rules of the retrying fetch follow the AWS SDKs' standard retry mode
 * (exponential backoff with full jitter, a 20 s cap, throttling and 5xx as
 * transient).
 *
 * @module
 */
import { SdkHttpError } from "./mcp_sdk.ts";

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

/** The kinds of 401/403 that re-signing can fix (see `aws/aws_error.ts`). */
const RESIGNABLE = new Set(["skew", "expired-token", "invalid-token", "signature"]);

/**
 * Whether a request AWS rejected with an authentication failure of `kind`
 * is worth signing again: when the clock was skewed, or when the
 * credentials went stale or were fixed (the signer then resends only if it
 * found others). Never for a wrong scope or a plain denial.
 */
export function resignAfter(kind: string | undefined): boolean {
  return kind !== undefined && RESIGNABLE.has(kind);
}

/**
 * Whether `error` says the backend no longer knows the session the request
 * carried: 404, as the MCP specification has it, or 400 with a body that
 * says so, as servers built on the TypeScript SDK answer ("Bad Request: No
 * valid session ID provided", "Server not initialized"). The request is then
 * sent once more, on a new session.
 */
export function sessionGone(error: unknown, hadSession: boolean): boolean {
  if (!hadSession || !(error instanceof SdkHttpError)) return false;
  if (error.status === 404) return true;
  return error.status === 400 &&
    /session\b.*\b(unknown|invalid|not found|expired)|no valid session|not initialized|unknown session|invalid session/i
      .test(error.message);
}

/** What to do with a request whose event stream ended before its answer. */
export type StreamEndAction = "resend" | "fail";

/**
 * The request's stream ended without its answer, and the transport will not resume
 * it (it had no event id, or the resumptions ran out): `resend` once a
 * request safe to run twice, and `fail` (answer the client now) otherwise.
 */
export function afterStreamEnd(request: { resent: boolean; safe: boolean }): StreamEndAction {
  return !request.resent && request.safe ? "resend" : "fail";
}

/**
 * How the HTTP transport resumes a dropped event stream that had an event id
 * (the SDK transport's defaults, named here so that the table above is complete).
 */
export const SSE_RECONNECTION = {
  initialReconnectionDelay: 1000,
  maxReconnectionDelay: 30_000,
  reconnectionDelayGrowFactor: 1.5,
  maxRetries: 2,
} as const;
