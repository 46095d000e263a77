/**
 * A `fetch` wrapper that signs every request with AWS SigV4, for the MCP
 * SDK's `StreamableHTTPClientTransport` `fetch` option.
 *
 * @module
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@smithy/core/checksum";
import type { FetchLike } from "./mcp_sdk.ts";
import type { AwsCredentials } from "./credentials.ts";
import type { SigningScope } from "./endpoint.ts";

/** Options for {@linkcode createSigningFetch}. */
export interface SigningFetchOptions extends SigningScope {
  /** Resolves the credentials to sign with; called for every request, so it should cache. */
  credentials: () => Promise<AwsCredentials>;
  /** The signing clock in epoch milliseconds; `Date.now` unless given (tests fix it). */
  now?: () => number;
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
  headers: Headers,
  body: string | undefined,
) => Promise<SignedHeaders> {
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
    uriEscapePath: true,
  });
  const now = options.now ?? Date.now;
  return async (method, url, headers, body) => {
    const toSign: Record<string, string> = { host: url.host };
    headers.forEach((value, name) => {
      toSign[name] = value;
    });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: queryOf(url),
      headers: toSign,
      body,
    }, { signingDate: new Date(now()) });
    return signed.headers;
  };
}

/**
 * Wraps `next` so that every request is signed with SigV4 before it is sent.
 * Redirects are never followed by the wrapped fetch (`redirect: "manual"`): a
 * signed request must not be re-sent to another host.
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
  const sign = createRequestSigner(options);
  return async (input, init) => {
    const url = new URL(input);
    const method = (init?.method ?? "GET").toUpperCase();
    const body = bodyText(init?.body);
    const headers = new Headers(init?.headers);
    const signed = await sign(method, url, headers, body);
    const out = new Headers();
    for (const [name, value] of Object.entries(signed)) {
      if (name !== "host") out.set(name, value);
    }
    return next(url, { ...init, method, headers: out, redirect: "manual" });
  };
}
