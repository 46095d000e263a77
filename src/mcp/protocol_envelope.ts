/**
 * The protocol envelope of revision 2026-07-28 and later: the
 * `io.modelcontextprotocol/` keys of a request's `_meta` that tell the server,
 * in every request of a stateless exchange, who the client is and which
 * revision it speaks.
 *
 * @module
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  type JSONRPCNotification,
  type JSONRPCRequest,
  PROTOCOL_VERSION_META_KEY,
} from "../mcp_sdk.ts";

/** The envelope keys a stateless request carries about the client (the SDK's names). */
const ENVELOPE_KEYS: readonly string[] = [
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
];

/** The `_meta` of `request`, if it has one. */
function metaOf(request: JSONRPCRequest): Record<string, unknown> | undefined {
  const meta = request.params?._meta;
  return typeof meta === "object" && meta !== null ? meta as Record<string, unknown> : undefined;
}

/** The envelope of `request`: its envelope keys, or `undefined` when it names no revision. */
export function envelopeOf(request: JSONRPCRequest): Record<string, unknown> | undefined {
  const meta = metaOf(request);
  if (!meta || typeof meta[PROTOCOL_VERSION_META_KEY] !== "string") return undefined;
  return Object.fromEntries(
    ENVELOPE_KEYS.flatMap((key) => meta[key] === undefined ? [] : [[key, meta[key]]]),
  );
}

/**
 * Whether `request` was sent in a stateless exchange (it names its revision),
 * whose results must say `resultType`.
 */
export function isStateless(request: JSONRPCRequest): boolean {
  return typeof metaOf(request)?.[PROTOCOL_VERSION_META_KEY] === "string";
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
