/**
 * Turns a failure to reach the backend into one line a person can act on:
 * what happened and what to do. Pure.
 *
 * @module
 */
import { StreamableHTTPError } from "./mcp_sdk.ts";
import { CredentialsError } from "./credentials.ts";

/** What the scope and credentials were, to name in messages. */
export interface ErrorContext {
  /** The endpoint host. */
  host: string;
  /** The signing service. */
  service: string;
  /** The signing region. */
  region: string;
  /** The AWS profile, when one is named. */
  profile?: string | undefined;
}

/** A backend failure, classified. */
export interface RemoteFailure {
  /** The HTTP status, when the backend answered. */
  status?: number;
  /** One line for the client: what happened and what to do. */
  message: string;
  /** Whether the credentials are suspect (expired or rejected), so a refresh may help. */
  credentialsRejected: boolean;
}

const MAX_DETAIL = 400;

/** Pulls the AWS error message out of a response body (`{"message": …}` or `{"Message": …}`). */
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

function fromHttp(status: number, detail: string, ctx: ErrorContext): RemoteFailure {
  const profile = ctx.profile ? ` --profile ${ctx.profile}` : "";
  const aws = detail ? `: ${detail}` : "";
  if (status === 401 || status === 403) {
    if (
      /credential should be scoped to|scoped to a valid (region|service)|not a valid (region|service)/i
        .test(detail)
    ) {
      return {
        status,
        credentialsRejected: false,
        message:
          `AWS rejected the signature scope (signed for service "${ctx.service}" in "${ctx.region}")${aws}. Pass the right --service or --region`,
      };
    }
    if (/signature expired|request time.*(too skewed|difference)|too skewed/i.test(detail)) {
      return {
        status,
        credentialsRejected: false,
        message: `AWS rejected the request time${aws}. Check this computer's clock`,
      };
    }
    if (
      /token.*(expired|invalid)|expired.*token|security token|ExpiredToken|UnrecognizedClient|InvalidClientTokenId/i
        .test(detail)
    ) {
      return {
        status,
        credentialsRejected: true,
        message:
          `AWS rejected the credentials${aws}. Refresh them (for SSO: aws sso login${profile}) and try again`,
      };
    }
    if (/signature.*(does not match|mismatch)/i.test(detail)) {
      return {
        status,
        credentialsRejected: true,
        message:
          `AWS says the request signature does not match${aws}. Check the secret key of the credentials in use`,
      };
    }
    return {
      status,
      credentialsRejected: false,
      message: `Access denied by AWS (HTTP ${status})${aws}`,
    };
  }
  if (status === 404) {
    return {
      status,
      credentialsRejected: false,
      message: `The endpoint answered HTTP 404 (not found)${aws}. Check the URL`,
    };
  }
  if (status === 429) {
    return {
      status,
      credentialsRejected: false,
      message: `The endpoint is throttling requests (HTTP 429)${aws}. Try again shortly`,
    };
  }
  if (status >= 500) {
    return {
      status,
      credentialsRejected: false,
      message: `The endpoint failed (HTTP ${status})${aws}. Try again shortly`,
    };
  }
  return {
    status,
    credentialsRejected: false,
    message: `The endpoint answered HTTP ${status}${aws}`,
  };
}

/**
 * Classifies `error`, thrown while sending to the backend at `ctx.host`, into
 * a {@linkcode RemoteFailure} whose message says what to do.
 */
export function classifyRemoteError(error: unknown, ctx: ErrorContext): RemoteFailure {
  if (error instanceof CredentialsError) {
    return { credentialsRejected: true, message: error.message };
  }
  if (error instanceof StreamableHTTPError && typeof error.code === "number" && error.code >= 100) {
    const body = error.message.replace(/^Streamable HTTP error: [^:]*: ?/, "");
    return fromHttp(error.code, awsErrorMessage(body), ctx);
  }
  const cause = error instanceof Error && error.cause instanceof Error
    ? `: ${error.cause.message}`
    : "";
  const text = (error instanceof Error ? error.message : String(error)) + cause;
  if (error instanceof Error && error.name === "NotCapable") {
    return {
      credentialsRejected: false,
      message: `Deno's permissions stopped the proxy: ${text}`,
    };
  }
  if (
    /fetch failed|connection refused|ECONNREFUSED|dns error|failed to lookup|Name or service not known|tcp connect|error sending request|network/i
      .test(text)
  ) {
    return {
      credentialsRejected: false,
      message: `Cannot reach ${ctx.host}: ${
        text.slice(0, MAX_DETAIL)
      }. Check the URL and the network`,
    };
  }
  return {
    credentialsRejected: false,
    message: `The request to ${ctx.host} failed: ${text.slice(0, MAX_DETAIL)}`,
  };
}
