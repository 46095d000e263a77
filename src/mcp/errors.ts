/**
 * JSON-RPC error replies the proxy writes itself.
 *
 * @module
 */
import type { JSONRPCMessage, RequestId } from "../mcp_sdk.ts";

/** A JSON-RPC error reply to request `id`. */
export function errorReply(
  id: RequestId,
  code: number,
  message: string,
  data?: unknown,
): JSONRPCMessage {
  const error = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: "2.0", id, error };
}
