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
import { encodeHeaderValue } from "../../transport/http/mcp_headers.ts";

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A property's place in the arguments: its name and the place of the object holding it. */
interface Place {
  name: string;
  parent: Place | undefined;
}

function pathOf(place: Place | undefined): string[] {
  const path: string[] = [];
  for (let at = place; at; at = at.parent) path.push(at.name);
  return path.reverse();
}

/**
 * One node still to visit: a schema reached from the top through `properties`
 * alone (`under` unset), or a value below some other keyword of the schema at
 * `place` (`under` names that keyword), where a declaration is misplaced.
 */
interface Visit {
  value: unknown;
  place: Place | undefined;
  under?: string;
}

/**
 * Reads a tool's `x-mcp-header` declarations. They are valid when each is a
 * non-empty token on a property of type string, integer or boolean, reached
 * from the top through `properties` only, and no two names differ only in
 * case.
 *
 * The walk keeps its own stack rather than recursing: a schema comes from the
 * server, and one nested thousands of levels deep must not overflow the call
 * stack.
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
  const invalid = (place: Place | undefined, reason: string): ParamHeaderScan => ({
    valid: false,
    reason: `${pathOf(place).join(".") || "the schema"}: ${reason}`,
  });
  // Children are pushed in reverse, so they are visited in document order.
  const stack: Visit[] = isObject(inputSchema) ? [{ value: inputSchema, place: undefined }] : [];
  while (stack.length > 0) {
    const { value, place, under } = stack.pop()!;
    if (under !== undefined) {
      if (isObject(value) && "x-mcp-header" in value) {
        return invalid(
          place,
          `x-mcp-header under "${under}" is not reachable through properties alone`,
        );
      }
      const children = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
      for (let i = children.length - 1; i >= 0; i--) {
        stack.push({ value: children[i], place, under });
      }
      continue;
    }
    const schema = value as Record<string, unknown>;
    if (place !== undefined && "x-mcp-header" in schema) {
      const name = schema["x-mcp-header"];
      if (typeof name !== "string" || name === "") {
        return invalid(place, "x-mcp-header must be a non-empty string");
      }
      if (!TOKEN.test(name)) {
        return invalid(place, `x-mcp-header "${name}" is not a valid header name`);
      }
      if (!TYPES.has(schema.type as string)) {
        return invalid(place, "x-mcp-header is allowed on string, integer and boolean only");
      }
      const key = name.toLowerCase();
      if (seen.has(key)) return invalid(place, `x-mcp-header "${name}" is declared twice`);
      seen.add(key);
      headers.push({ path: pathOf(place), name });
    }
    const entries = Object.entries(schema);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (key === "x-mcp-header") continue;
      if (key === "properties" && isObject(child)) {
        const properties = Object.entries(child);
        for (let j = properties.length - 1; j >= 0; j--) {
          const [name, property] = properties[j]!;
          if (isObject(property)) stack.push({ value: property, place: { name, parent: place } });
        }
      } else stack.push({ value: child, place, under: key });
    }
  }
  return { valid: true, headers };
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
    out[`Mcp-Param-${name}`] = encodeHeaderValue(String(value));
  }
  return out;
}
