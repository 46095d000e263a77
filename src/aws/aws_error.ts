/**
 * Reads AWS's answer to a rejected request: the message in its body and what
 * kind of authentication failure it reports. Pure; shared by the signer
 * (which recovers from clock skew and stale credentials) and the error
 * messages the client sees.
 *
 * @module
 */

/** What an HTTP 401/403 from AWS says went wrong with the signature or credentials. */
export type AuthFailure =
  /** The request time is too far from the server's: the clock is skewed. */
  | "skew"
  /** The session token has expired. */
  | "expired-token"
  /** The access key or session token is not recognised. */
  | "invalid-token"
  /** The signature was scoped to another service or region. */
  | "scope"
  /** The signature does not match: a wrong secret key. */
  | "signature"
  /** The credentials are fine but lack permission. */
  | "denied";

/** The most of a server's error text any message quotes. */
export const MAX_DETAIL = 400;

/** Pulls the AWS error message out of a response body (`{"message": …}`, `{"Message": …}`), else the text. */
export function awsErrorMessage(body: string): string {
  const trimmed = body.trim();
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed && typeof parsed === "object") {
      const record = parsed as Record<string, unknown>;
      const text = record.message ?? record.Message ?? record.error ?? record.__type;
      if (typeof text === "string") return text.slice(0, MAX_DETAIL);
      if (
        text && typeof text === "object" &&
        typeof (text as Record<string, unknown>).message === "string"
      ) {
        return ((text as Record<string, unknown>).message as string).slice(0, MAX_DETAIL);
      }
    }
  } catch {
    // not JSON: use the text itself
  }
  return trimmed.slice(0, MAX_DETAIL);
}

/** The parts of a rejection that {@linkcode authFailureKind} reads. */
export interface Rejection {
  /** The HTTP status. */
  status: number;
  /** The `x-amzn-errortype` header, when present (`ExpiredTokenException:http://…` and the like). */
  errorType?: string | null;
  /** The AWS error message. */
  message: string;
}

/**
 * Classifies a 401/403 the way the AWS SDKs do, by error type first and
 * message second; `undefined` for any other status.
 *
 * @example
 * ```ts
 * import { authFailureKind } from "./aws_error.ts";
 * authFailureKind({ status: 403, message: "Signature expired: 20260101T000000Z is now earlier than …" });
 * // "skew"
 * ```
 */
export function authFailureKind(rejection: Rejection): AuthFailure | undefined {
  const { status, message } = rejection;
  if (status !== 401 && status !== 403) return undefined;
  const type = (rejection.errorType ?? "").split(":")[0]!;
  if (
    /^(RequestTimeTooSkewed|RequestExpired|RequestInTheFuture)/.test(type) ||
    /signature expired|signature not yet current|request time.*(too skewed|difference)|too skewed/i
      .test(message)
  ) {
    return "skew";
  }
  if (/^Expired(Token|Credentials)/.test(type) || /token.*expired|expired.*token/i.test(message)) {
    return "expired-token";
  }
  if (
    /^(UnrecognizedClient|InvalidClientTokenId|InvalidToken)/.test(type) ||
    /security token.*invalid|token.*not valid|invalid.*token/i.test(message)
  ) {
    return "invalid-token";
  }
  if (
    /credential should be scoped to|scoped to a valid (region|service)|not a valid (region|service)/i
      .test(message)
  ) {
    return "scope";
  }
  if (/signature.*(does not match|mismatch)/i.test(message)) return "signature";
  return "denied";
}
