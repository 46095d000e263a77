/**
 * Which of the four JSON-RPC shapes a message has, told by its members.
 *
 * The SDK's `isJSONRPC*` guards each run a full zod parse. Both transports
 * have already parsed every message against the JSON-RPC schema, so on the
 * per-message path the guards would validate each message again, up to four
 * times (a 10 MB tool result included). These checks only look at members.
 *
 * @module
 */
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResultResponse,
  RequestId,
} from "../mcp_sdk.ts";

/** A request: it has a `method` and an `id`. */
export function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return "method" in message && "id" in message;
}

/** A notification: it has a `method` and no `id`. */
export function isNotification(message: JSONRPCMessage): message is JSONRPCNotification {
  return "method" in message && !("id" in message);
}

/** A response, with a `result` or an `error`. */
export function isResponse(
  message: JSONRPCMessage,
): message is JSONRPCResultResponse | JSONRPCErrorResponse {
  return !("method" in message);
}

/** An error response. */
export function isErrorResponse(message: JSONRPCMessage): message is JSONRPCErrorResponse {
  return "error" in message && !("method" in message);
}

/** The request a `notifications/cancelled` message cancels; `undefined` for any other message. */
export function cancelledRequestId(message: JSONRPCMessage): RequestId | undefined {
  if (!isNotification(message) || message.method !== "notifications/cancelled") return undefined;
  return (message.params as { requestId?: RequestId } | undefined)?.requestId;
}
