/**
 * Which tools the client may see and call. One rule, applied alike to
 * `tools/list` results and `tools/call` requests. Pure.
 *
 * Order: the read-only rule first (unless `--allow-write`; a tool matching
 * `--allow-tool` passes it without `readOnlyHint: true`), then
 * `--include-tool`, then `--exclude-tool`, which wins over everything.
 *
 * @module
 */
import type { Tool } from "../../mcp_sdk.ts";

/** The settings a {@linkcode ToolPolicy} is compiled from. */
export interface ToolPolicyOptions {
  /** Expose tools that are not annotated `readOnlyHint: true`. */
  allowWrite: boolean;
  /** Glob patterns of tools trusted in read-only mode without `readOnlyHint: true`. */
  allow?: readonly string[];
  /** Glob patterns (`*`, `?`); when any is given, only matching tools are exposed. */
  include?: readonly string[];
  /** Glob patterns of tools never exposed. */
  exclude?: readonly string[];
}

/** A compiled tool policy; build one with {@linkcode compileToolPolicy}. */
export interface ToolPolicy {
  /** Whether tools without `readOnlyHint: true` are exposed. */
  readonly allowWrite: boolean;
  /** Compiled `--allow-tool` patterns with their source text. */
  readonly allow: readonly (readonly [string, RegExp])[];
  /** Compiled `--include-tool` patterns with their source text. */
  readonly include: readonly (readonly [string, RegExp])[];
  /** Compiled `--exclude-tool` patterns with their source text. */
  readonly exclude: readonly (readonly [string, RegExp])[];
}

/** Why a tool is hidden, with the flag that would expose it. */
export interface HiddenTool {
  /** The tool's name. */
  name: string;
  /** A short reason, such as `no readOnlyHint`. */
  reason: string;
}

/** The outcome of {@linkcode filterTools}. */
export interface FilteredTools {
  /** The tools the client sees, in their original order. */
  visible: Tool[];
  /** The tools withheld, each with its reason. */
  hidden: HiddenTool[];
}

/** Whether a tool may be called, and if not, a message for the client. */
export type CallVerdict = { allowed: true; tool: Tool | undefined } | {
  allowed: false;
  message: string;
};

/**
 * A glob as a regular expression over the whole name: `*` any run of
 * characters and `?` one character, line terminators and characters outside
 * the BMP (an emoji) included, as a person reading the glob expects.
 */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "su");
}

/** Control characters and line separators, which no tool name needs and a log or a UI would mangle. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** The reason given for a tool whose name holds control characters; no flag exposes it. */
export const CONTROL_IN_NAME = "its name holds control characters";

/**
 * Compiles the tool policy once, so the per-message checks only match.
 *
 * @example
 * ```ts
 * import { compileToolPolicy } from "./tool_filter.ts";
 * const policy = compileToolPolicy({ allowWrite: false, exclude: ["debug_*"] });
 * policy.exclude.length; // 1
 * ```
 */
export function compileToolPolicy(options: ToolPolicyOptions): ToolPolicy {
  const compile = (globs: readonly string[] = []) =>
    globs.map((glob) => [glob, globToRegExp(glob)] as const);
  return {
    allowWrite: options.allowWrite,
    allow: compile(options.allow),
    include: compile(options.include),
    exclude: compile(options.exclude),
  };
}

/** The reason given for a tool hidden for lacking `readOnlyHint: true`, without the annotation. */
export const NO_READ_ONLY_HINT = "no readOnlyHint annotation";
/** The reason given for a tool hidden because it says `readOnlyHint: false`. */
export const READ_ONLY_HINT_FALSE = "readOnlyHint: false";

/** Whether `policy` lets every tool through, so a call needs no tool list to be judged. */
export function allowsEverything(policy: ToolPolicy): boolean {
  return policy.allowWrite && policy.include.length === 0 && policy.exclude.length === 0;
}

/** Why `tool` is hidden under `policy`, or `undefined` when it is exposed. */
export function hiddenReason(tool: Tool, policy: ToolPolicy): string | undefined {
  if (CONTROL.test(tool.name)) return CONTROL_IN_NAME;
  const trusted = policy.allowWrite || policy.allow.some(([, re]) => re.test(tool.name));
  if (!trusted) {
    const hint = tool.annotations?.readOnlyHint;
    if (hint !== true) return hint === false ? READ_ONLY_HINT_FALSE : NO_READ_ONLY_HINT;
  }
  if (policy.include.length > 0 && !policy.include.some(([, re]) => re.test(tool.name))) {
    return "matches no --include-tool pattern";
  }
  const excluded = policy.exclude.find(([, re]) => re.test(tool.name));
  if (excluded) return `matches --exclude-tool ${excluded[0]}`;
  return undefined;
}

/**
 * Splits a tool list into what the client sees and what is withheld.
 *
 * @example
 * ```ts
 * import { compileToolPolicy, filterTools } from "./tool_filter.ts";
 * const tools = [
 *   { name: "read", inputSchema: { type: "object" as const }, annotations: { readOnlyHint: true } },
 *   { name: "write", inputSchema: { type: "object" as const } },
 * ];
 * filterTools(tools, compileToolPolicy({ allowWrite: false })).visible.length; // 1
 * ```
 */
export function filterTools(tools: readonly Tool[], policy: ToolPolicy): FilteredTools {
  const visible: Tool[] = [];
  const hidden: HiddenTool[] = [];
  for (const tool of tools) {
    const reason = hiddenReason(tool, policy);
    if (reason === undefined) visible.push(tool);
    else hidden.push({ name: tool.name, reason });
  }
  return { visible, hidden };
}

/** Whether `reason` is the read-only rule's. */
export function isReadOnlyReason(reason: string): boolean {
  return reason === NO_READ_ONLY_HINT || reason === READ_ONLY_HINT_FALSE;
}

function remedy(name: string, reason: string): string {
  if (reason === CONTROL_IN_NAME) return "no flag exposes such a tool";
  if (isReadOnlyReason(reason)) {
    return `start the proxy with --allow-tool ${name} to trust this tool, or --allow-write to allow every tool`;
  }
  if (reason.includes("--include-tool")) return "add an --include-tool pattern that matches it";
  return "remove that --exclude-tool pattern to allow it";
}

/**
 * Judges a `tools/call` of `name`, where `tool` is the backend's current
 * definition of it (`undefined` when the backend does not list it).
 */
export function judgeToolCall(
  name: string,
  tool: Tool | undefined,
  policy: ToolPolicy,
): CallVerdict {
  if (CONTROL.test(name)) {
    return {
      allowed: false,
      message: `Tool ${JSON.stringify(name)} is refused by the proxy: ${CONTROL_IN_NAME}`,
    };
  }
  if (!tool) {
    if (allowsEverything(policy)) return { allowed: true, tool };
    return {
      allowed: false,
      message:
        `Tool "${name}" is not offered by the server, so the proxy cannot confirm it is allowed`,
    };
  }
  const reason = hiddenReason(tool, policy);
  if (reason === undefined) return { allowed: true, tool };
  return {
    allowed: false,
    message: `Tool "${name}" is hidden by the proxy (${reason}); ${remedy(name, reason)}`,
  };
}

/**
 * The `--allow-tool`, `--include-tool` and `--exclude-tool` patterns that
 * match none of `tools`, as flags: most likely a typo, and a pattern meant to
 * hide or trust a tool that does nothing.
 *
 * @example
 * ```ts
 * import { compileToolPolicy, unmatchedPatterns } from "./tool_filter.ts";
 * const tools = [{ name: "query", inputSchema: { type: "object" as const } }];
 * unmatchedPatterns(tools, compileToolPolicy({ allowWrite: false, allow: ["qeury"] })); // ["--allow-tool qeury"]
 * ```
 */
export function unmatchedPatterns(tools: readonly Tool[], policy: ToolPolicy): string[] {
  const unmatched: string[] = [];
  for (
    const [flag, patterns] of [
      ["--allow-tool", policy.allow],
      ["--include-tool", policy.include],
      ["--exclude-tool", policy.exclude],
    ] as const
  ) {
    for (const [glob, re] of patterns) {
      if (!tools.some((tool) => re.test(tool.name))) unmatched.push(`${flag} ${glob}`);
    }
  }
  return unmatched;
}

/**
 * The tools that read-only mode alone hides: `--allow-tool NAME` would
 * expose each of them. Empty with `--allow-write`.
 */
export function admissibleTools(tools: readonly Tool[], policy: ToolPolicy): string[] {
  if (policy.allowWrite) return [];
  const open: ToolPolicy = { ...policy, allowWrite: true };
  return tools
    .filter((tool) => hiddenReason(tool, policy) !== undefined && !hiddenReason(tool, open))
    .map((tool) => tool.name);
}

/**
 * One line for when the policy leaves no tool of the `tools` the server
 * offers, naming the ways out; `undefined` when some tool is exposed or the
 * server offers none.
 *
 * @example
 * ```ts
 * import { compileToolPolicy, hidesEverything } from "./tool_filter.ts";
 * const tools = [{ name: "query", inputSchema: { type: "object" as const } }];
 * hidesEverything(tools, compileToolPolicy({ allowWrite: false }))?.startsWith("read-only"); // true
 * ```
 */
export function hidesEverything(tools: readonly Tool[], policy: ToolPolicy): string | undefined {
  if (tools.length === 0 || tools.some((tool) => hiddenReason(tool, policy) === undefined)) {
    return undefined;
  }
  const lacking = admissibleTools(tools, policy);
  if (lacking.length === 0) {
    return `every one of the server's ${tools.length} tools is hidden by --include-tool / --exclude-tool`;
  }
  const example = lacking[0];
  return `read-only mode hides every one of the server's ${tools.length} tools: ${lacking.length} lack readOnlyHint: true. ` +
    `Pass --allow-tool NAME for tools you trust (such as --allow-tool ${example}), or --allow-write to expose all`;
}
