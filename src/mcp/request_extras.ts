/**
 * What the user adds to every request: `--header` HTTP headers and
 * `--metadata` entries in `params._meta`. Pure.
 *
 * @module
 */
import type { JSONRPCRequest } from "../mcp_sdk.ts";

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const OWNED_HEADERS = new Set([
  "authorization",
  "host",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
  "accept",
  "connection",
  "transfer-encoding",
]);

/** Why the proxy or SigV4 owns `name` (lower case), or `undefined` when a user may set it. */
function ownedHeaderReason(name: string): string | undefined {
  if (name.startsWith("x-amz-")) return "SigV4 sets the x-amz-* headers";
  if (name.startsWith("content-")) return "the proxy sets the content headers";
  if (OWNED_HEADERS.has(name)) return "the proxy or the MCP transport sets it";
  return undefined;
}

/**
 * Parses one `--header "Name: value"`; throws a `TypeError` for a malformed
 * entry or a header the proxy or SigV4 owns.
 *
 * @example
 * ```ts
 * import { parseHeaderFlag } from "./request_extras.ts";
 * parseHeaderFlag("X-Tenant: blue"); // { "x-tenant": "blue" }
 * ```
 */
export function parseHeaderFlag(entry: string): Record<string, string> {
  const colon = entry.indexOf(":");
  const name = (colon < 0 ? entry : entry.slice(0, colon)).trim().toLowerCase();
  if (colon < 0 || !HEADER_NAME.test(name)) {
    throw new TypeError(`--header "${entry}" must look like "Name: value"`);
  }
  const reason = ownedHeaderReason(name);
  // Worded so that no "authorization: ..." reaches the log, where the redactor would eat the reason.
  if (reason) throw new TypeError(`--header cannot set the ${name} header, since ${reason}`);
  const value = entry.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) {
    throw new TypeError(`--header "${name}" has a line break in its value`);
  }
  return { [name]: value };
}

/**
 * Parses one `--metadata KEY=VALUE`; throws a `TypeError` when there is no
 * `=` or no key.
 *
 * @example
 * ```ts
 * import { parseMetadataFlag } from "./request_extras.ts";
 * parseMetadataFlag("AWS_REGION=eu-west-1"); // { AWS_REGION: "eu-west-1" }
 * ```
 */
export function parseMetadataFlag(entry: string): Record<string, string> {
  const equals = entry.indexOf("=");
  const key = equals < 0 ? "" : entry.slice(0, equals).trim();
  if (!key) throw new TypeError(`--metadata "${entry}" must look like KEY=VALUE`);
  return { [key]: entry.slice(equals + 1) };
}

/**
 * Returns `request` with `metadata` merged into `params._meta`; what the
 * client put in `_meta` itself (such as a progress token) wins. Returns the
 * same object when there is nothing to add.
 */
export function withMetadata(
  request: JSONRPCRequest,
  metadata: Readonly<Record<string, string>>,
): JSONRPCRequest {
  const keys = Object.keys(metadata);
  if (keys.length === 0) return request;
  const params = request.params ?? {};
  const meta = params._meta ?? {};
  return { ...request, params: { ...params, _meta: { ...metadata, ...meta } } };
}
