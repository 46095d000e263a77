/**
 * Method names that are not MCP's but would pass for them. JSON-RPC method
 * names are case-sensitive, so the gate judges `tools/call` and nothing else;
 * a lenient server that folds case or trims spaces would still run
 * `Tools/Call` or `tools/call ` as a tool call. Such names are refused before
 * they reach the gate. Pure.
 *
 * @module
 */

/** The methods the proxy judges or reads: a look-alike of any of them could slip past it. */
const GUARDED = [
  "initialize",
  "server/discover",
  "tools/call",
  "tools/list",
  "subscriptions/listen",
  "notifications/cancelled",
  "notifications/initialized",
];

/**
 * The guarded method `method` imitates (equal to it once case and surrounding
 * white space are set aside, yet not equal), or `undefined`.
 *
 * @example
 * ```ts
 * import { imitatedMethod } from "./look_alikes.ts";
 * imitatedMethod("Tools/Call"); // "tools/call"
 * imitatedMethod("tools/call"); // undefined
 * ```
 */
export function imitatedMethod(method: string): string | undefined {
  const folded = method.trim().toLowerCase();
  return folded !== method && GUARDED.includes(folded) ? folded : undefined;
}
