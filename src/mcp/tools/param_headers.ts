/**
 * `x-mcp-header` (protocol revision 2026-07-28, SEP-2243): a tool's input
 * schema may declare that an argument is mirrored into an `Mcp-Param-NAME`
 * HTTP header, so that gateways can route on it without reading the body.
 * An MCP client over HTTP must send those headers and must leave out tools
 * whose declarations are invalid. Behind the proxy, the MCP client speaks
 * stdio and cannot send headers, so the proxy does both. Pure.
 *
 * The SDK computes these inside its client, not as a helper the proxy can
 * call; hence this module.
 *
 * @module
 */

/** One declared argument: where it is in the arguments, and its header's name. */
export interface ParamHeader {
  /** The property names leading to the argument, from the top of `arguments`. */
  path: string[];
  /** The name after `Mcp-Param-`. */
  name: string;
}

/** The declarations of one tool, or why they are invalid. */
export type ParamHeaderScan = { valid: true; headers: ParamHeader[] } | {
  valid: false;
  reason: string;
};

/** The characters of an HTTP token (RFC 9110), which a header name must be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** The types a declared argument may have. */
const TYPES = new Set(["string", "integer", "boolean"]);
/** The wrapper of a Base64-encoded value. */
const SENTINEL = /^=\?base64\?.*\?=$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `schema` (or anything below it) declares an `x-mcp-header`. */
function declaresAnywhere(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(declaresAnywhere);
  if (!isObject(schema)) return false;
  return "x-mcp-header" in schema || Object.values(schema).some(declaresAnywhere);
}

/**
 * Reads a tool's `x-mcp-header` declarations. They are valid when each is a
 * non-empty token on a property of type string, integer or boolean, reached
 * from the top through `properties` only, and no two names differ only in
 * case.
 *
 * @example
 * ```ts
 * import { scanParamHeaders } from "./param_headers.ts";
 * scanParamHeaders({
 *   type: "object",
 *   properties: { region: { type: "string", "x-mcp-header": "Region" } },
 * }); // { valid: true, headers: [{ path: ["region"], name: "Region" }] }
 * ```
 */
export function scanParamHeaders(inputSchema: unknown): ParamHeaderScan {
  const headers: ParamHeader[] = [];
  const seen = new Set<string>();
  const walk = (schema: Record<string, unknown>, path: string[]): string | undefined => {
    for (const [key, value] of Object.entries(schema)) {
      if (key === "properties" && isObject(value)) {
        for (const [name, property] of Object.entries(value)) {
          if (!isObject(property)) continue;
          const reason = visit(property, [...path, name]);
          if (reason) return reason;
        }
      } else if (key !== "x-mcp-header" && declaresAnywhere(value)) {
        return `${
          path.join(".") || "the schema"
        }: x-mcp-header under "${key}" is not reachable through properties alone`;
      }
    }
    return undefined;
  };
  const visit = (property: Record<string, unknown>, path: string[]): string | undefined => {
    const where = path.join(".");
    if ("x-mcp-header" in property) {
      const name = property["x-mcp-header"];
      if (typeof name !== "string" || name === "") {
        return `${where}: x-mcp-header must be a non-empty string`;
      }
      if (!TOKEN.test(name)) return `${where}: x-mcp-header "${name}" is not a valid header name`;
      if (!TYPES.has(property.type as string)) {
        return `${where}: x-mcp-header is allowed on string, integer and boolean only`;
      }
      const key = name.toLowerCase();
      if (seen.has(key)) return `${where}: x-mcp-header "${name}" is declared twice`;
      seen.add(key);
      headers.push({ path, name });
    }
    return walk(property, path);
  };
  if (!isObject(inputSchema)) return { valid: true, headers };
  const reason = walk(inputSchema, []);
  return reason ? { valid: false, reason } : { valid: true, headers };
}

/**
 * A value as an HTTP header carries it: as it is when it is printable ASCII
 * without surrounding whitespace, else as `=?base64?…?=` of its UTF-8 bytes
 * (also when it merely looks like that wrapper).
 */
export function encodeParamValue(value: string): string {
  const plain = /^[\x20-\x7e]*$/.test(value) && value.trim() === value && !SENTINEL.test(value);
  if (plain) return value;
  let binary = "";
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return `=?base64?${btoa(binary)}?=`;
}

/** The `Mcp-Param-*` headers for a call with `args`; absent and null arguments send none. */
export function paramHeaders(
  headers: readonly ParamHeader[],
  args: unknown,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { path, name } of headers) {
    let value: unknown = args;
    for (const key of path) value = isObject(value) ? value[key] : undefined;
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      continue;
    }
    out[`Mcp-Param-${name}`] = encodeParamValue(String(value));
  }
  return out;
}
