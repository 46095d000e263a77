/**
 * The messages of the bridge between a client of a 2025-era revision and a
 * server that speaks only 2026-07-28 (see `revision_bridge.ts`): how a
 * refusal is recognised, and how each message changes shape between the
 * two. Pure.
 *
 * @module
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isInputRequiredResult,
  type JSONRPCErrorResponse,
  type JSONRPCRequest,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  type Result,
  SERVER_INFO_META_KEY,
} from "../mcp_sdk.ts";

/** The stateless revision the proxy speaks upstream for a client of an earlier one. */
export const STATELESS_REVISION = "2026-07-28";

/** What an input-required result asks for. */
export interface InputRequired {
  /** The embedded requests, by the key their answers go under. */
  inputRequests: Record<string, { method: string; params?: Record<string, unknown> }>;
  /** Opaque state to echo, byte for byte, in the retry. */
  requestState?: string;
}

/**
 * Whether `error` is a server's refusal of the client's revision that the
 * proxy can bridge: `-32022`, naming {@linkcode STATELESS_REVISION} among the
 * revisions it supports.
 */
export function isBridgeableRefusal(error: JSONRPCErrorResponse["error"]): boolean {
  if (error.code !== ProtocolErrorCode.UnsupportedProtocolVersion) return false;
  const supported = (error.data as { supported?: unknown } | undefined)?.supported;
  return Array.isArray(supported) && supported.includes(STATELESS_REVISION);
}

/** The protocol envelope of a stateless request, made from the client's `initialize`. */
export function envelopeFromInitialize(initialize: JSONRPCRequest): Record<string, unknown> {
  const params = (initialize.params ?? {}) as { clientInfo?: unknown; capabilities?: unknown };
  return {
    [PROTOCOL_VERSION_META_KEY]: STATELESS_REVISION,
    [CLIENT_INFO_META_KEY]: params.clientInfo ?? { name: "unknown", version: "0" },
    [CLIENT_CAPABILITIES_META_KEY]: params.capabilities ?? {},
  };
}

/** The `initialize` result for a client of revision `clientVersion`, from `server/discover`'s. */
export function initializeResultFrom(discover: Result, clientVersion: string): Result {
  const { capabilities, serverInfo, instructions, _meta } = discover as {
    capabilities?: unknown;
    serverInfo?: unknown;
    instructions?: unknown;
    _meta?: Record<string, unknown>;
  };
  return {
    protocolVersion: clientVersion,
    capabilities: capabilities ?? {},
    // The revision names the server in the result's _meta; some servers also say it in the result.
    serverInfo: serverInfo ?? _meta?.[SERVER_INFO_META_KEY] ?? { name: "unknown", version: "0" },
    ...(typeof instructions === "string" ? { instructions } : {}),
  };
}

/** What an input-required result asks for, or `undefined` for any other result. */
export function inputRequiredOf(result: Result): InputRequired | undefined {
  if (!isInputRequiredResult(result)) return undefined;
  const { inputRequests, requestState } = result;
  return {
    inputRequests: (inputRequests ?? {}) as InputRequired["inputRequests"],
    ...(requestState === undefined ? {} : { requestState }),
  };
}

/** A complete result as a client of an earlier revision knows it: without `resultType`. */
export function asEarlierResult(result: Result): Result {
  if (!("resultType" in result)) return result;
  const { resultType: _, ...rest } = result as Result & { resultType: unknown };
  return rest;
}

/** The retry of `request`, with the round's answers and the echoed `requestState`. */
export function retryOf(
  request: JSONRPCRequest,
  answers: Record<string, unknown>,
  requestState: string | undefined,
): JSONRPCRequest {
  const params: Record<string, unknown> = { ...request.params };
  delete params.inputResponses;
  delete params.requestState;
  if (Object.keys(answers).length > 0) params.inputResponses = answers;
  if (requestState !== undefined) params.requestState = requestState;
  return { ...request, params };
}
