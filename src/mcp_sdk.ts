/**
 * The parts of the MCP TypeScript SDK the proxy uses, imported in one place:
 * the 2.x client package (`@modelcontextprotocol/client`). The proxy's own
 * stdio transport means it needs nothing of the server package at run time.
 *
 * @module
 */
import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  PARSE_ERROR,
} from "@modelcontextprotocol/client";

export {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isInputRequiredResult,
  LOG_LEVEL_META_KEY,
  parseJSONRPCMessage,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SERVER_INFO_META_KEY,
  StreamableHTTPClientTransport,
  SUBSCRIPTION_ID_META_KEY,
} from "@modelcontextprotocol/client";
export type {
  FetchLike,
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResultResponse,
  ListToolsResult,
  RequestId,
  Result,
  Tool,
  Transport,
} from "@modelcontextprotocol/client";

/** The JSON-RPC error codes the proxy answers with. */
export const ErrorCode = {
  ParseError: PARSE_ERROR,
  InvalidRequest: INVALID_REQUEST,
  MethodNotFound: METHOD_NOT_FOUND,
  InvalidParams: INVALID_PARAMS,
  InternalError: INTERNAL_ERROR,
  /** The code the MCP SDKs give a request whose connection closed before its answer. */
  ConnectionClosed: -32000,
  /** The code the MCP SDKs give a request that timed out. */
  RequestTimeout: -32001,
} as const;
