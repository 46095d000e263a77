/**
 * The parts of the MCP TypeScript SDK the proxy uses, imported in one place.
 *
 * The SDK's `"./*"` export maps `X.js` to the types file `X.js.d.ts`, which
 * does not exist, so Deno types every `.js` subpath import as `any`
 * (modelcontextprotocol/typescript-sdk#2701). Each import below names its
 * real declaration file with `@ts-types`; drop them once the SDK ships the
 * fix.
 *
 * @module
 */

// @ts-types="@modelcontextprotocol/sdk/types"
export { ErrorCode, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
// @ts-types="@modelcontextprotocol/sdk/types"
export type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResultResponse,
  ListToolsResult,
  RequestId,
  Result,
  Tool,
} from "@modelcontextprotocol/sdk/types.js";
// @ts-types="@modelcontextprotocol/sdk/shared/transport"
export type { FetchLike, Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
export {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
