/**
 * JSON-RPC error replies, and tool error results, the proxy writes itself.
 *
 * @module
 */
import { ErrorCode, type JSONRPCMessage, type JSONRPCRequest, type RequestId } from "../mcp_sdk.ts";
import { isStateless } from "./protocol_envelope.ts";

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

/**
 * A `tools/call` result with `isError`, carrying `text`: how a tool call the
 * model can correct (bad arguments) is refused. In a stateless exchange
 * (2026-07-28) it says `resultType: "complete"`, which every result there must.
 */
export function toolErrorReply(request: JSONRPCRequest, text: string): JSONRPCMessage {
  const result = { content: [{ type: "text", text }], isError: true };
  return {
    jsonrpc: "2.0",
    id: request.id,
    result: isStateless(request) ? { resultType: "complete", ...result } : result,
  };
}

/**
 * The answer to a request that finds the waiting line full: `maxInFlight`
 * requests with the server and `waiting` more queued.
 */
export function busyReply(id: RequestId, maxInFlight: number, waiting: number): JSONRPCMessage {
  return errorReply(
    id,
    ErrorCode.InternalError,
    `The proxy has ${maxInFlight} requests in flight to the server and ${waiting} more waiting (--max-in-flight ${maxInFlight}), so it refused this one. Send it again once some are answered`,
    { maxInFlight, waiting },
  );
}

/** The answer to a request whose method differs from `imitated` only in case or spaces. */
export function lookAlikeReply(id: RequestId, method: string, imitated: string): JSONRPCMessage {
  return errorReply(
    id,
    ErrorCode.MethodNotFound,
    `Method not found: ${
      JSON.stringify(method)
    } is not ${imitated} (JSON-RPC method names are exact), and the proxy does not forward a name that differs from it only in case or spaces`,
  );
}

/** The answer to a request whose id is already in use by one in flight. */
export function idInUseReply(id: RequestId): JSONRPCMessage {
  return errorReply(
    id,
    ErrorCode.InvalidRequest,
    `Invalid Request: id ${JSON.stringify(id)} is in use by a request in flight`,
  );
}
