/**
 * The tool gate: which tools the client sees and may call, judged on the
 * backend's current list (never one older than the last announced change)
 * and the tool's input schema. It returns verdicts; the relay answers.
 *
 * @module
 */
import type {
  JSONRPCMessage,
  JSONRPCRequest,
  ListToolsResult,
  Result,
  Tool,
} from "../../mcp_sdk.ts";
import { ErrorCode } from "../../mcp_sdk.ts";
import { isNotification, isRequest } from "../../jsonrpc/message_kind.ts";
import { describeError, type Logger } from "../../log.ts";
import { errorReply, toolErrorReply } from "../errors.ts";
import { ArgumentValidator } from "./arg_validator.ts";
import { type ListToolsPage, ToolCatalog, wellFormed } from "./tool_catalog.ts";
import { paramHeaders, type ParamHeaderScan, scanParamHeaders } from "./param_headers.ts";
import { allowsEverything, filterTools, judgeToolCall, type ToolPolicy } from "./tool_filter.ts";
import { ListReport } from "./list_report.ts";
import { ListSubscription } from "./list_subscription.ts";
import { isOwnId } from "../../jsonrpc/request_ids.ts";

/** Options for {@linkcode ToolGate}. */
export interface ToolGateOptions {
  /** Which tools are listed and callable. */
  policy: ToolPolicy;
  /** Fetches one page of the backend's `tools/list`. */
  listPage: ListToolsPage;
  /** Milliseconds a call may wait for a tool list. */
  timeoutMs: number;
  /** Says what the gate does. */
  logger: Logger;
  /** One line for a failure to load the list, for the log and the client. */
  describe?: (error: unknown) => string;
  /** Opens the proxy's own `subscriptions/listen` for tool-list changes; settles when it ends. */
  listen?: () => Promise<unknown>;
}

/** The gate; see the module doc. */
export class ToolGate {
  #options: ToolGateOptions;
  #log: Logger;
  #catalog: ToolCatalog;
  #subscription: ListSubscription | undefined;
  #validator = new ArgumentValidator();
  #serverHasTools = false;
  /** The exposed tools as last loaded, to tell whether a reload changed them. */
  #visibleKey = "";
  #report: ListReport;
  /** Each tool definition's `x-mcp-header` declarations, read once. */
  #declarations = new WeakMap<Tool, ParamHeaderScan>();

  /** A gate with no list yet; {@linkcode ToolGate.discover} loads it. */
  constructor(options: ToolGateOptions) {
    this.#options = options;
    this.#log = options.logger;
    this.#report = new ListReport(options.policy, options.logger);
    if (options.listen) {
      this.#subscription = new ListSubscription({
        listen: options.listen,
        follow: (followed) => this.#catalog.follow(followed),
        reload: () => this.#load(this.#catalog.refresh()),
        logger: options.logger,
      });
    }
    this.#catalog = new ToolCatalog(options.listPage, (tools) => {
      this.#visibleKey = JSON.stringify(filterTools(tools, options.policy).visible);
      this.#report.report(tools);
    });
  }

  /** Records, from the `initialize` result, whether the server offers tools at all. */
  initialized(result: Result): void {
    this.#serverHasTools = (result as { capabilities?: { tools?: unknown } }).capabilities
      ?.tools !== undefined;
  }

  /**
   * A stateless exchange (protocol revision 2026-07-28) began: with no
   * `initialize` to say whether the server offers tools, the gate loads the
   * list as if it did. A server without tools fails that load, and its calls
   * are refused, as they should be.
   */
  stateless(): void {
    if (this.#serverHasTools) return;
    this.#serverHasTools = true;
    this.discover();
    this.followChanges();
  }

  /** Subscribes to a stateless server's tool-list changes, where it offers that. */
  followChanges(): void {
    this.#subscription?.start();
  }

  /** The server acknowledged the proxy's own subscription: its list is followed. */
  subscribed(): void {
    this.#subscription?.acknowledged();
  }

  /** Loads the list (and the validator) once the session is ready. */
  discover(): void {
    if (!this.#serverHasTools) {
      this.#log.info("the server offers no tools");
      return;
    }
    this.#validator.prepare().catch((error) =>
      this.#log.warn(`cannot load the argument validator: ${describeError(error)}`)
    );
    this.#load(this.#catalog.ensureLoaded());
  }

  /** The backend announced a change: no call is judged on the old list from now on. */
  changed(): void {
    this.#report.announce();
    this.#log.info("the server's tool list changed; reloading it");
    this.#load(this.#catalog.invalidate());
  }

  /**
   * A new backend session may offer other tools: reloads them, and resolves
   * with whether what the client sees changed.
   */
  async renewed(): Promise<boolean> {
    if (!this.#serverHasTools || !this.#catalog.loaded) return false;
    this.#report.announce();
    const before = this.#visibleKey;
    try {
      await this.#catalog.invalidate();
    } catch (error) {
      this.#warnLoad(error);
      return false;
    }
    return this.#visibleKey !== before;
  }

  /**
   * The tools the client may see, of one page of `tools/list` (which also
   * updates the definitions calls are judged on): those the policy exposes, less those whose `x-mcp-header` declarations are invalid
   * (an HTTP client must leave them out, and the proxy is the HTTP client).
   */
  filterList(result: ListToolsResult): ListToolsResult {
    const offered: unknown[] = Array.isArray(result.tools) ? result.tools : [];
    // Every list the proxy sees is the backend's newest word on those tools.
    this.#catalog.observe(offered);
    const tools = wellFormed(offered);
    const { visible, hidden } = filterTools(tools, this.#options.policy);
    const valid = visible.filter((tool) => this.#scan(tool).valid);
    return tools.length === offered.length && hidden.length === 0 &&
        valid.length === visible.length
      ? result
      : { ...result, tools: valid };
  }

  /**
   * The `Mcp-Param-*` headers a `tools/call` carries (protocol revision
   * 2026-07-28): the arguments its tool declares with `x-mcp-header`.
   */
  paramHeaders(request: JSONRPCRequest): Record<string, string> {
    const { name, arguments: args } = (request.params ?? {}) as {
      name?: unknown;
      arguments?: unknown;
    };
    const tool = typeof name === "string" ? this.#catalog.get(name) : undefined;
    const scan = tool ? this.#scan(tool) : undefined;
    return scan?.valid ? paramHeaders(scan.headers, args) : {};
  }

  #scan(tool: Tool): ParamHeaderScan {
    let scan = this.#declarations.get(tool);
    if (!scan) {
      scan = scanParamHeaders(tool.inputSchema);
      if (!scan.valid) {
        this.#log.warn(
          `left out tool ${tool.name}: invalid x-mcp-header declaration (${scan.reason})`,
        );
      }
      this.#declarations.set(tool, scan);
    }
    return scan;
  }

  /**
   * Whether `message` must not be forwarded: a `tools/call` sent as a
   * notification, which cannot be answered but would still run upstream,
   * while any tool filter applies or when its tool declares an invalid
   * `x-mcp-header`.
   */
  refusesNotification(message: JSONRPCMessage): boolean {
    if (!isNotification(message) || message.method !== "tools/call") return false;
    const name = (message.params as { name?: unknown } | undefined)?.name;
    const tool = typeof name === "string" ? this.#catalog.get(name) : undefined;
    const invalid = tool !== undefined && !this.#scan(tool).valid;
    if (allowsEverything(this.#options.policy) && !invalid) return false;
    this.#log.warn(
      `dropped a tools/call of ${JSON.stringify(name ?? null)} sent as a notification (no id): ${
        invalid ? "its x-mcp-header declaration is invalid" : "a tool filter applies"
      }, and such a call is never forwarded`,
    );
    return true;
  }

  /**
   * Whether `message` may be sent to the backend a second time when it is not
   * known whether the first reached it: everything but a `tools/call`, and a
   * `tools/call` only of a tool annotated read-only or idempotent.
   */
  readonly safeToRepeat = (message: JSONRPCMessage | JSONRPCMessage[]): boolean => {
    if (Array.isArray(message)) return message.every((m) => this.safeToRepeat(m));
    if (!isRequest(message)) return true;
    // The proxy's own subscription is opened again by its owner, which must know it ended.
    if (message.method === "subscriptions/listen") return !isOwnId(message.id);
    if (message.method !== "tools/call") return true;
    const name = (message.params as { name?: unknown } | undefined)?.name;
    const annotations = typeof name === "string" ? this.#catalog.get(name)?.annotations : undefined;
    return annotations?.readOnlyHint === true || annotations?.idempotentHint === true;
  };

  /**
   * Judges `request` again before it is sent on a new backend session, whose
   * server may offer other tools; any request but a `tools/call` passes.
   */
  readonly recheck = (request: JSONRPCRequest): Promise<JSONRPCMessage | undefined> =>
    request.method === "tools/call" ? this.judge(request) : Promise.resolve(undefined);

  /**
   * Judges a `tools/call` against the current tool list and its input schema:
   * the answer that refuses it, or `undefined` when it may be sent.
   */
  async judge(request: JSONRPCRequest): Promise<JSONRPCMessage | undefined> {
    const params = (request.params ?? {}) as { name?: unknown; arguments?: unknown };
    if (typeof params.name !== "string") {
      return errorReply(
        request.id,
        ErrorCode.InvalidParams,
        "tools/call needs params.name, the tool's name",
      );
    }
    const name = params.name;
    let tool: Tool | undefined;
    if (this.#serverHasTools) {
      try {
        // Most calls find a fresh list: judged at once, with no deadline to arm.
        tool = this.#catalog.ready(name) ?? await this.#currentTool(name);
      } catch (error) {
        const reason = `cannot load the server's tool list to judge tools/call ${name}: ${
          this.#describe(error)
        }`;
        this.#log.warn(reason);
        if (!allowsEverything(this.#options.policy)) {
          return errorReply(request.id, ErrorCode.InternalError, `The proxy ${reason}. Try again`);
        }
      }
    }
    const verdict = judgeToolCall(name, tool, this.#options.policy);
    if (!verdict.allowed) {
      this.#log.info(`refused tools/call ${name}: ${verdict.message}`);
      return errorReply(request.id, ErrorCode.InvalidParams, verdict.message);
    }
    if (!tool) return undefined;
    const declarations = this.#scan(tool);
    if (!declarations.valid) {
      return errorReply(
        request.id,
        ErrorCode.InvalidParams,
        `Tool "${name}" declares an invalid x-mcp-header (${declarations.reason}), so it is not called`,
      );
    }
    const check = await this.#validator.check(tool, params.arguments);
    if (check.valid === false) {
      this.#log.info(check.message);
      return toolErrorReply(request, check.message);
    }
    if (check.valid === "unchecked") {
      this.#log.debug(`arguments of ${name} not checked: ${check.reason}`);
    }
    return undefined;
  }

  /**
   * The backend's current definition of `name`: waits, at most the request
   * timeout, for a tool list that reflects every change the backend announced.
   */
  async #currentTool(name: string): Promise<Tool | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const seconds = this.#options.timeoutMs / 1000;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`tools/list got no answer within ${seconds} s (--timeout)`)),
        this.#options.timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#catalog.lookup(name), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #describe(error: unknown): string {
    return this.#options.describe?.(error) ?? describeError(error);
  }

  #load(loading: Promise<void>): void {
    loading.catch((error) => this.#warnLoad(error));
  }

  #warnLoad(error: unknown): void {
    this.#log.warn(`cannot load the server's tool list: ${this.#describe(error)}`);
  }
}
