/**
 * Checks `tools/call` arguments against the tool's `inputSchema` with the
 * JSON Schema validator the MCP SDK ships (Ajv), compiling each tool's schema
 * once and keeping it until the tool list changes.
 *
 * Ajv is loaded on first use, not at start: importing it is about a sixth of
 * the proxy's start-up, and no client calls a tool before `initialize` is
 * answered.
 *
 * Arguments the validator cannot walk (nested past the call stack under a
 * recursive schema) are refused, never sent unchecked.
 *
 * An optional argument given as `null` is judged as left out, as revision
 * 2026-07-28 reads it for `Mcp-Param-*` headers and as models often send it;
 * the call still leaves with the `null`, for the server to judge.
 *
 * @module
 */
import type { JsonSchemaType } from "@modelcontextprotocol/client";
import type { AjvJsonSchemaValidator } from "@modelcontextprotocol/client/validators/ajv";
import type { Tool } from "../../mcp_sdk.ts";

/** The outcome of checking one call's arguments. */
export type ArgumentCheck =
  | { valid: true }
  | { valid: false; message: string }
  | { valid: "unchecked"; reason: string };

type Check = (input: unknown) => { valid: boolean; errorMessage?: string | undefined };

/** Validates tool arguments, caching one compiled validator per tool definition. */
export class ArgumentValidator {
  #provider: Promise<AjvJsonSchemaValidator> | undefined;
  #compiled = new WeakMap<Tool, Check | string>();

  /** Starts loading Ajv, so that the first check does not wait for it. */
  async prepare(): Promise<void> {
    await this.#load();
  }

  /** Ajv, imported once. */
  #load(): Promise<AjvJsonSchemaValidator> {
    this.#provider ??= import("@modelcontextprotocol/client/validators/ajv").then((ajv) =>
      new ajv.AjvJsonSchemaValidator()
    );
    return this.#provider;
  }

  /**
   * Checks `args` against `tool.inputSchema`. A schema that cannot be compiled
   * yields `unchecked` with the reason, so a server's unusual schema never
   * blocks a call; the server still validates.
   */
  async check(tool: Tool, args: unknown): Promise<ArgumentCheck> {
    let check = this.#compiled.get(tool);
    if (check === undefined) {
      try {
        const provider = await this.#load();
        check = provider.getValidator(tool.inputSchema as JsonSchemaType) as Check;
      } catch (error) {
        check = error instanceof Error ? error.message : String(error);
      }
      this.#compiled.set(tool, check);
    }
    if (typeof check === "string") return { valid: "unchecked", reason: check };
    let result;
    try {
      result = check(withoutOptionalNulls(tool, args ?? {}));
    } catch (error) {
      // Arguments nested deeper than the validator can walk (a recursive schema): refused, since
      // they could not be checked.
      const reason = error instanceof Error ? error.message : String(error);
      return {
        valid: false,
        message:
          `The arguments for tool "${tool.name}" could not be checked against its input schema (${reason}); nest them less deeply`,
      };
    }
    if (result.valid) return { valid: true };
    const details = (result.errorMessage ?? "does not match the input schema")
      .replace(/(^|, )data(?=[/ ])/g, "$1arguments");
    return {
      valid: false,
      message: `Invalid arguments for tool "${tool.name}": ${details}`,
    };
  }
}

/** `args` without the top-level `null`s of properties `tool` does not require. */
function withoutOptionalNulls(tool: Tool, args: unknown): unknown {
  if (typeof args !== "object" || args === null || Array.isArray(args)) return args;
  const required = new Set(
    Array.isArray(tool.inputSchema.required) ? tool.inputSchema.required : [],
  );
  const entries = Object.entries(args);
  if (!entries.some(([key, value]) => value === null && !required.has(key))) return args;
  return Object.fromEntries(entries.filter(([key, value]) => value !== null || required.has(key)));
}
