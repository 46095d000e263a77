/**
 * Keeps the ids of the proxy's own requests to the backend apart from the
 * client's. The proxy's ids start with {@linkcode OWN_ID_PREFIX}; a client
 * string id that starts with the shared prefix is escaped on its way up and
 * restored on its way back, so no id a client picks can ever answer, or be
 * answered as, one of the proxy's own. Every other id passes unchanged, so
 * the common path costs one string test. Pure.
 *
 * @module
 */
import type { RequestId } from "../mcp_sdk.ts";

const PREFIX = "aws-mcp-proxy:";
/** The start of every id the proxy gives its own requests. */
export const OWN_ID_PREFIX = `${PREFIX}own:`;
const ESCAPED = `${PREFIX}client:`;

/** An id for one of the proxy's own requests, from a name unique among them. */
export function ownId(name: string | number): string {
  return `${OWN_ID_PREFIX}${name}`;
}

/** Whether `id` is one of the proxy's own. */
export function isOwnId(id: RequestId): id is string {
  return typeof id === "string" && id.startsWith(OWN_ID_PREFIX);
}

/**
 * The id a client request is sent upstream under.
 *
 * @example
 * ```ts
 * import { fromUpstream, toUpstream } from "./request_ids.ts";
 * toUpstream(7); // 7
 * fromUpstream(toUpstream("aws-mcp-proxy:own:1")); // "aws-mcp-proxy:own:1"
 * ```
 */
export function toUpstream(id: RequestId): RequestId {
  return typeof id === "string" && id.startsWith(PREFIX) ? `${ESCAPED}${id}` : id;
}

/** The client's id of an answer the backend sent under `id`; never called with an own id. */
export function fromUpstream(id: RequestId): RequestId {
  return typeof id === "string" && id.startsWith(ESCAPED) ? id.slice(ESCAPED.length) : id;
}

/** Whether the client's `id` travels upstream under another id. */
export function isEscaped(id: RequestId): boolean {
  return toUpstream(id) !== id;
}
