/**
 * JSON-RPC error replies the proxy writes itself.
 *
 * @module
 */
import { ErrorCode, type JSONRPCMessage, type JSONRPCRequest, type RequestId } from "../mcp_sdk.ts";

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

/** The answer to a request the backend did not answer within `seconds`. */
export function timeoutReply(request: JSONRPCRequest, seconds: number): JSONRPCMessage {
  return errorReply(
    request.id,
    ErrorCode.RequestTimeout,
    `The server did not answer ${request.method} within ${seconds} s (--timeout); the request was cancelled. Try again, or raise --timeout if it needs longer`,
  );
}
