/**
 * Turns a failure to reach the backend into one line a person can act on:
 * what happened and what to do. Pure.
 *
 * @module
 */
import { type JSONRPCErrorResponse, type RequestId, SdkHttpError } from "../mcp_sdk.ts";
import { CredentialsError } from "../aws/credentials.ts";
import {
  type AuthFailure,
  authFailureKind,
  awsErrorMessage,
  MAX_DETAIL,
} from "../aws/aws_error.ts";
import { CONNECT_FAILURE } from "../retry_policy.ts";
import { shellQuote } from "../shell_quote.ts";

/** What the scope and credentials were, to name in messages. */
export interface ErrorContext {
  /** The endpoint host. */
  host: string;
  /** The endpoint's origin (`http://localhost:8000`), for the URL a hint suggests; `https://host` if absent. */
  origin?: string;
  /** The endpoint path, to suggest `/mcp` when a 404 may mean it is missing. */
  path?: string;
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
}

/** The message for an AWS authentication failure; `aws` is ": <the AWS message>" or empty. */
function authMessage(kind: AuthFailure, status: number, aws: string, ctx: ErrorContext): string {
  const who = ctx.profile ? `profile "${ctx.profile}"` : "the default credential chain";
  const profile = ctx.profile ? ` --profile ${shellQuote(ctx.profile)}` : "";
  switch (kind) {
    case "scope":
      return `AWS rejected the signature scope (signed for service "${ctx.service}" in "${ctx.region}")${aws}. Pass the right --service or --region`;
    case "skew":
      return `AWS rejected the request time even after correcting for the server's clock${aws}. Check this computer's clock`;
    case "expired-token":
      return `The AWS credentials of ${who} have expired and fresh ones could not be found${aws}. Renew them (for SSO: aws sso login${profile}) and try again`;
    case "invalid-token":
      return `AWS does not recognise the credentials of ${who}${aws}. Renew them (for SSO: aws sso login${profile}) or check the access key`;
    case "signature":
      return `AWS says the request signature does not match${aws}. Check the secret key of the credentials of ${who}`;
    case "denied":
      return `Access denied by AWS (HTTP ${status})${aws}`;
  }
}

function fromHttp(status: number, detail: string, ctx: ErrorContext): RemoteFailure {
  const aws = detail ? `: ${detail.replace(/[.\s]+$/, "")}` : "";
  const auth = authFailureKind({ status, message: detail });
  if (auth !== undefined) {
    return { status, message: authMessage(auth, status, aws, ctx) };
  }
  if (status >= 300 && status < 400) {
    return {
      status,
      message:
        `The endpoint redirects elsewhere (HTTP ${status})${aws}. A signed request is never sent to another origin: pass the final URL as the endpoint`,
    };
  }
  if (status === 404) {
    const hint = ctx.path !== undefined && !/mcp|invocations/i.test(ctx.path)
      ? `: MCP servers are usually served under /mcp, as in ${ctx.origin ?? `https://${ctx.host}`}${
        ctx.path.replace(/\/$/, "")
      }/mcp`
      : "";
    return {
      status,
      message: `The endpoint answered HTTP 404 (not found)${aws}. Check the URL${hint}`,
    };
  }
  if (status === 431) {
    return {
      status,
      message:
        `The endpoint refused the request's headers as too large (HTTP 431)${aws}. Shorten or drop --header values`,
    };
  }
  if (status === 429) {
    return {
      status,
      message: `The endpoint is throttling requests (HTTP 429)${aws}. Try again shortly`,
    };
  }
  if (status >= 500) {
    return {
      status,
      message: `The endpoint failed (HTTP ${status})${aws}. Try again shortly`,
    };
  }
  return {
    status,
    message: `The endpoint answered HTTP ${status}${aws}`,
  };
}

/**
 * Classifies `error`, thrown while sending to the backend at `ctx.host`, into
 * a {@linkcode RemoteFailure} whose message says what to do.
 */
export function classifyRemoteError(error: unknown, ctx: ErrorContext): RemoteFailure {
  if (error instanceof CredentialsError) {
    return { message: error.message };
  }
  if (error instanceof SdkHttpError && error.status >= 100) {
    // "Error POSTing to endpoint: <the body, or the redirect not followed>"
    // "Error POSTing to endpoint: <the body, or the redirect not followed>"; a body it could not
    // read (or none) it writes as "null", which says nothing.
    const body = error.message.replace(/^[^:]*: ?/, "");
    return fromHttp(error.status, body === "null" ? "" : awsErrorMessage(body), ctx);
  }
  const cause = error instanceof Error && error.cause instanceof Error
    ? `: ${error.cause.message}`
    : "";
  const text = (error instanceof Error ? error.message : String(error)) + cause;
  if (error instanceof Error && error.name === "TimeoutError") {
    return {
      message:
        `${ctx.host} sent no response in time: ${error.message}. Try again, or raise --timeout`,
    };
  }
  if (/certificate|UnknownIssuer|CertNotValid|self[- ]signed/i.test(text)) {
    return {
      message: `The TLS certificate of ${ctx.host} is not trusted: ${
        text.slice(0, MAX_DETAIL)
      }. If your network uses its own certificate authority, run deno with --cert=CA.pem (or set DENO_CERT=CA.pem)`,
    };
  }
  if (error instanceof Error && error.name === "NotCapable") {
    return {
      message: `Deno's permissions stopped the proxy: ${text}`,
    };
  }
  if (
    CONNECT_FAILURE.test(text) || /fetch failed|error sending request|network/i.test(text)
  ) {
    return {
      message: `Cannot reach ${ctx.host}: ${
        text.slice(0, MAX_DETAIL)
      }. Check the URL and the network`,
    };
  }
  return {
    message: `The request to ${ctx.host} failed: ${text.slice(0, MAX_DETAIL)}`,
  };
}

/**
 * The server's own JSON-RPC error for request `id`, when an HTTP error's body
 * is one (a 400 that refuses a protocol version, say): the client's to see
 * unchanged, not a failure of the proxy's. `undefined` for any other error.
 */
export function serverErrorOf(error: unknown, id: RequestId): JSONRPCErrorResponse | undefined {
  if (!(error instanceof SdkHttpError) || typeof error.data.text !== "string") return undefined;
  let body: unknown;
  try {
    body = JSON.parse(error.data.text);
  } catch {
    return undefined;
  }
  const reply = body as Partial<JSONRPCErrorResponse> | null;
  const code = reply?.error?.code;
  if (reply?.jsonrpc !== "2.0" || reply.id !== id || typeof code !== "number") return undefined;
  if (typeof reply.error?.message !== "string") return undefined;
  return reply as JSONRPCErrorResponse;
}
