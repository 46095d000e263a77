/**
 * A `fetch` wrapper that signs every request with AWS SigV4, for the MCP
 * SDK's `StreamableHTTPClientTransport` `fetch` option. Like the AWS SDKs, it
 * recovers once from the rejections that re-signing can fix: a skewed
 * clock, and credentials that went stale or were fixed while it runs.
 *
 * @module
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@smithy/core/checksum";
import type { FetchLike } from "../mcp_sdk.ts";
import type { AwsCredentials, CredentialSource } from "./credentials.ts";
import type { SigningScope } from "./endpoint.ts";
import { authFailureKind, awsErrorMessage } from "./aws_error.ts";
import { resignAfter } from "../retry_policy.ts";
import { bodyStart } from "../transport/http/http_response.ts";
import type { Logger } from "../log.ts";

/** Options for {@linkcode createSigningFetch}. */
export interface SigningFetchOptions extends SigningScope {
  /**
   * Resolves the credentials to sign with; called for every request, so it
   * should cache. `forceRefresh` asks it to drop what it cached.
   */
  credentials: CredentialSource;
  /** This computer's clock in epoch milliseconds; `Date.now` unless given (tests fix it). */
  now?: () => number;
  /** Says when the clock is corrected or credentials are renewed. */
  logger?: Logger;
  /**
   * Asked before a request is signed and sent again (a skewed clock, renewed
   * credentials), with its body: false when it may not go again.
   */
  mayResend?: (body: string | undefined) => boolean;
}

/** The headers a signed request carries, as `SignatureV4` produces them. */
export type SignedHeaders = Record<string, string>;

/** A fetch that is signed: takes the same arguments as `fetch`. */
export type SigningFetch = FetchLike;

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    if (seen === undefined) query[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else query[key] = [seen, value];
  }
  return query;
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  // The MCP transports send JSON text; anything else could not be hashed
  // without consuming it, so refuse it rather than sign a wrong hash.
  throw new TypeError("The SigV4 fetch can only sign string request bodies");
}

/** Signed headers, and the credentials that signed them. */
interface Signed {
  headers: SignedHeaders;
  credentials: AwsCredentials;
}

type SignWith = (
  method: string,
  url: URL,
  headers: HeadersInit | undefined,
  body: string | undefined,
) => Promise<Signed>;

/**
 * Like {@linkcode createRequestSigner}, and also says which credentials
 * signed: one `SignatureV4` per credentials object (the chain hands back the
 * same object until it renews), so each keeps its cache of derived keys.
 */
function createCredentialSigner(options: SigningFetchOptions): SignWith {
  const signers = new WeakMap<AwsCredentials, SignatureV4>();
  const signerFor = (credentials: AwsCredentials) => {
    let signer = signers.get(credentials);
    if (!signer) {
      signer = new SignatureV4({
        service: options.service,
        region: options.region,
        credentials,
        sha256: Sha256,
        uriEscapePath: true,
      });
      signers.set(credentials, signer);
    }
    return signer;
  };
  const now = options.now ?? Date.now;
  return async (method, url, headers, body) => {
    const toSign: Record<string, string> = { host: url.host };
    // Read in place: copying into a new Headers validates every value again.
    if (headers instanceof Headers) {
      headers.forEach((value, name) => {
        toSign[name] = value;
      });
    } else {
      for (
        const [name, value] of Array.isArray(headers) ? headers : Object.entries(headers ?? {})
      ) {
        toSign[name!.toLowerCase()] = value!;
      }
    }
    const credentials = await options.credentials();
    const signed = await signerFor(credentials).sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: queryOf(url),
      headers: toSign,
      body,
    }, { signingDate: new Date(now()) });
    return { headers: signed.headers, credentials };
  };
}

/**
 * Creates the signer for one scope and returns a function that signs a
 * request's method, URL and headers. `SignatureV4` hashes the body, adds
 * `x-amz-date`, `x-amz-content-sha256` and the session token, and caches the
 * derived signing key per day, region and service. The path is signed as it
 * goes on the wire, encoded once more as AWS expects for every service but S3
 * (so `%3A` in an AgentCore runtime ARN is signed as `%253A`).
 */
export function createRequestSigner(
  options: SigningFetchOptions,
): (
  method: string,
  url: URL,
  headers: HeadersInit | undefined,
  body: string | undefined,
) => Promise<SignedHeaders> {
  const sign = createCredentialSigner(options);
  return async (method, url, headers, body) => (await sign(method, url, headers, body)).headers;
}

/** Whether two sets of credentials are the same, secret included. */
function sameCredentials(a: AwsCredentials, b: AwsCredentials): boolean {
  return a.accessKeyId === b.accessKeyId && a.secretAccessKey === b.secretAccessKey &&
    a.sessionToken === b.sessionToken;
}

/**
 * Wraps `next` so that every request is signed with SigV4 before it is sent.
 * Redirects are never followed by the wrapped fetch (`redirect: "manual"`): a
 * signed request must not be re-sent to another host.
 *
 * A 401/403 that AWS did not process is re-signed and sent once more when
 * that can help, as the AWS SDKs do:
 * - the request time was refused (clock skew): the offset to the server's
 *   `Date` header is kept and used for this and every later signature;
 * - the session token expired or is not recognised, or the signature does
 *   not match: the credentials are resolved again (`forceRefresh`), unless
 *   another request already did so, and the request is sent again only if
 *   other credentials came (a user who ran `aws sso login`, fixed the key
 *   file or rotated the key meanwhile just continues).
 *
 * @example
 * ```ts
 * import { createSigningFetch } from "./signer.ts";
 * const signedFetch = createSigningFetch(fetch, {
 *   service: "bedrock-agentcore",
 *   region: "us-east-1",
 *   credentials: () =>
 *     Promise.resolve({
 *       accessKeyId: "AKIDEXAMPLE",
 *       secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
 *     }),
 * });
 * typeof signedFetch; // "function"
 * ```
 */
export function createSigningFetch(next: FetchLike, options: SigningFetchOptions): SigningFetch {
  const now = options.now ?? Date.now;
  let clockOffsetMs = 0;
  const sign = createCredentialSigner({ ...options, now: () => now() + clockOffsetMs });
  const credentials = options.credentials;

  /** Learns the server's clock from a skew rejection; false when it gave no usable `Date`. */
  const learnClock = (response: Response): boolean => {
    const serverTime = Date.parse(response.headers.get("date") ?? "");
    if (Number.isNaN(serverTime)) return false;
    const offset = serverTime - now();
    options.logger?.warn(
      `AWS refused the request time: this computer's clock is ${
        Math.round(Math.abs(offset) / 1000)
      } s ${
        offset > 0 ? "behind" : "ahead of"
      } the server's; signing with the server's time from now on`,
    );
    clockOffsetMs = offset;
    return true;
  };

  let renewal: { stale: AwsCredentials; done: Promise<boolean> } | undefined;
  /**
   * Resolves the credentials again after a rejection of those that signed
   * (`used`); true when others came. Requests rejected together share one
   * renewal, and one that another request already renewed is not renewed again.
   */
  const renewCredentials = (used: AwsCredentials, why: string): Promise<boolean> => {
    if (renewal && sameCredentials(renewal.stale, used)) return renewal.done;
    const done = (async () => {
      if (!sameCredentials(await credentials(), used)) return true;
      options.logger?.info(`${why}; resolving the credentials again`);
      return !sameCredentials(await credentials({ forceRefresh: true }), used);
    })();
    renewal = { stale: used, done };
    done.catch(() => {}).finally(() => {
      if (renewal?.done === done) renewal = undefined;
    });
    return done;
  };

  return async (input, init) => {
    // Never changed here, so a URL given is used as it is.
    const url = input instanceof URL ? input : new URL(input);
    const method = (init?.method ?? "GET").toUpperCase();
    const body = bodyText(init?.body);
    const send = async () => {
      const signed = await sign(method, url, init?.headers, body);
      // fetch sets the host itself; a plain record spares a Headers object fetch would copy.
      const { host: _host, ...out } = signed.headers;
      const response = await next(url, { ...init, method, headers: out, redirect: "manual" });
      return { response, credentials: signed.credentials };
    };
    const first = await send();
    const { status, statusText, headers } = first.response;
    if (status !== 401 && status !== 403) return first.response;
    // Only the start: enough to classify the failure, however much the server sends.
    const text = await bodyStart(first.response) ?? "";
    const kind = authFailureKind({
      status,
      errorType: headers.get("x-amzn-errortype"),
      message: awsErrorMessage(text),
    });
    // The user may have renewed, fixed or rotated the credentials meanwhile: sent again only if
    // the clock could be learned or other credentials came.
    const again = resignAfter(kind) &&
      (kind === "skew" ? learnClock(first.response) : await renewCredentials(
        first.credentials,
        kind === "signature" ? "AWS rejected the signature" : "AWS rejected the session token",
      ));
    if (again && options.mayResend?.(body) !== false) return (await send()).response;
    return new Response(text, { status, statusText, headers });
  };
}
