/**
 * The protocol envelope of revision 2026-07-28 and later: the
 * `io.modelcontextprotocol/` keys of a request's `_meta` that tell the server,
 * in every request of a stateless exchange, who the client is and which
 * revision it speaks.
 *
 * @module
 */
import type { JSONRPCNotification, JSONRPCRequest } from "../mcp_sdk.ts";

/** The `_meta` key that names a request's protocol revision. */
export const PROTOCOL_VERSION_KEY = "io.modelcontextprotocol/protocolVersion";

/** The `_meta` key that carries the client's logging level in a stateless request. */
export const LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel";

/** The result `_meta` key under which a 2026-07-28 server names itself. */
export const SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo";

/** The envelope keys a stateless request carries about the client. */
export const ENVELOPE_KEYS: readonly string[] = [
  PROTOCOL_VERSION_KEY,
  "io.modelcontextprotocol/clientInfo",
  "io.modelcontextprotocol/clientCapabilities",
];

/** The `_meta` of `request`, if it has one. */
function metaOf(request: JSONRPCRequest): Record<string, unknown> | undefined {
  const meta = request.params?._meta;
  return typeof meta === "object" && meta !== null ? meta as Record<string, unknown> : undefined;
}

/** The envelope of `request`: its envelope keys, or `undefined` when it names no revision. */
export function envelopeOf(request: JSONRPCRequest): Record<string, unknown> | undefined {
  const meta = metaOf(request);
  if (!meta || typeof meta[PROTOCOL_VERSION_KEY] !== "string") return undefined;
  return Object.fromEntries(
    ENVELOPE_KEYS.flatMap((key) => meta[key] === undefined ? [] : [[key, meta[key]]]),
  );
}

/**
 * Whether `request` was sent in a stateless exchange (it names its revision),
 * whose results must say `resultType`.
 */
export function isStateless(request: JSONRPCRequest): boolean {
  return typeof metaOf(request)?.[PROTOCOL_VERSION_KEY] === "string";
}

/** `message` with `envelope` merged into its `params._meta`. */
export function withEnvelope<T extends JSONRPCRequest | JSONRPCNotification>(
  message: T,
  envelope: Record<string, unknown>,
): T {
  const params = message.params ?? {};
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  return { ...message, params: { ...params, _meta: { ...meta, ...envelope } } };
}
