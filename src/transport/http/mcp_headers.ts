/**
 * The HTTP headers an MCP request carries beside its body: the standard
 * headers of protocol revision 2026-07-28 (`MCP-Protocol-Version`,
 * `Mcp-Method`, `Mcp-Name`), derived from the request itself, and the
 * encoding every MCP header value uses. Pure.
 *
 * The SDK derives these inside its client transport and exports neither the
 * name table nor the encoder; hence this module.
 *
 * @module
 */
import { type JSONRPCMessage, PROTOCOL_VERSION_META_KEY } from "../../mcp_sdk.ts";

/** A request's headers as the transport builds them: lower-case names to values. */
export type HeaderRecord = Record<string, string>;

/** The first protocol revision without sessions, whose requests each carry their version. */
const FIRST_STATELESS_REVISION = "2026-07-28";

/** The parameter each method's `Mcp-Name` header mirrors. */
const NAME_SOURCE: Readonly<Record<string, string>> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

/** A value that is already the base64 wrapper, and so must be wrapped again. */
const SENTINEL = /^=\?base64\?.*\?=$/;

/**
 * A value as an MCP header carries it: as it is when it is printable ASCII
 * without surrounding whitespace, else as `=?base64?…?=` of its UTF-8 bytes
 * (also when it merely looks like that wrapper).
 *
 * @example
 * ```ts
 * import { encodeHeaderValue } from "./mcp_headers.ts";
 * encodeHeaderValue("get_weather"); // "get_weather"
 * encodeHeaderValue("日本"); // "=?base64?5pel5pys?="
 * ```
 */
export function encodeHeaderValue(value: string): string {
  const plain = /^[\x20-\x7e]*$/.test(value) && value.trim() === value && !SENTINEL.test(value);
  if (plain) return value;
  let binary = "";
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return `=?base64?${btoa(binary)}?=`;
}

/** The protocol version a request's `_meta` claims, as a 2026-07-28 request does. */
function claimedVersion(message: JSONRPCMessage): string | undefined {
  if (!("method" in message) || !("id" in message)) return undefined;
  const meta = (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
  const version = meta?.[PROTOCOL_VERSION_META_KEY];
  return typeof version === "string" ? version : undefined;
}

/**
 * The standard headers of a request that claims its protocol version in
 * `_meta`; none for any other message, so that no 2026 header appears in a
 * 2025-11-25 session.
 *
 * @example
 * ```ts
 * import { standardHeaders } from "./mcp_headers.ts";
 * standardHeaders({
 *   jsonrpc: "2.0", id: 1, method: "tools/call",
 *   params: { name: "echo", _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } },
 * }); // { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" }
 * ```
 */
export function standardHeaders(message: JSONRPCMessage): Record<string, string> | undefined {
  const version = claimedVersion(message);
  if (version === undefined || !("method" in message)) return undefined;
  const headers: Record<string, string> = {
    "mcp-protocol-version": version,
    "mcp-method": message.method,
  };
  const field = Object.hasOwn(NAME_SOURCE, message.method)
    ? NAME_SOURCE[message.method]
    : undefined;
  const params = message.params as Record<string, unknown> | undefined;
  const name = field === undefined ? undefined : params?.[field];
  if (typeof name === "string") headers["mcp-name"] = encodeHeaderValue(name);
  return headers;
}

/**
 * Whether `value` can go in an HTTP header as it is, and be signed as it
 * goes: printable ASCII, with nothing at either end that would be trimmed.
 */
export function headerSafe(value: string): boolean {
  return /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value);
}

/**
 * Why `message` cannot be sent: its method, or the protocol version it
 * claims, goes in a standard header as it is (only `Mcp-Name` is encoded),
 * and no HTTP header can carry that value; `undefined` when it can be sent.
 *
 * @example
 * ```ts
 * import { unsendableHeader } from "./mcp_headers.ts";
 * unsendableHeader({
 *   jsonrpc: "2.0", id: 1, method: "ping",
 *   params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28\n" } },
 * }); // "the protocol version it claims cannot be sent in the MCP-Protocol-Version HTTP header: ..."
 * ```
 */
export function unsendableHeader(message: JSONRPCMessage): string | undefined {
  const version = claimedVersion(message);
  if (version === undefined || !("method" in message)) return undefined;
  const rule = "only printable ASCII, with no space at either end, can be";
  if (!headerSafe(version)) {
    return `the protocol version it claims cannot be sent in the MCP-Protocol-Version HTTP header: ${rule}`;
  }
  if (!headerSafe(message.method)) {
    return `its method cannot be sent in the Mcp-Method HTTP header: ${rule}`;
  }
  return undefined;
}

/**
 * Whether `message` is a request of revision 2026-07-28 or later, whose
 * refusal may come as a JSON-RPC error in the body of an HTTP 400.
 */
export function isStatelessRequest(message: JSONRPCMessage): boolean {
  const version = claimedVersion(message);
  return version !== undefined && version >= FIRST_STATELESS_REVISION;
}
