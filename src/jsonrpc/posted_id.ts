/**
 * The id of the JSON-RPC request an HTTP body posts, read by `JSON.parse`
 * (the id the server will read, not one a byte scan guesses): what the fetch
 * layers below the SDK use to tell which request a response or a resend
 * belongs to. Called only off the per-message path (a resend, a cut stream).
 *
 * @module
 */
import type { RequestId } from "../mcp_sdk.ts";

/**
 * The request id `body` posts; `undefined` for a body that posts no request
 * (a notification, a response) or no JSON.
 *
 * @example
 * ```ts
 * import { postedRequestId } from "./posted_id.ts";
 * postedRequestId('{"jsonrpc":"2.0","id":"a\\u0062","method":"ping"}'); // "ab"
 * ```
 */
export function postedRequestId(body: unknown): RequestId | undefined {
  if (typeof body !== "string") return undefined;
  try {
    const message = JSON.parse(body) as { id?: unknown; method?: unknown };
    const { id } = message;
    return typeof message.method === "string" && (typeof id === "string" || typeof id === "number")
      ? id
      : undefined;
  } catch {
    return undefined;
  }
}
