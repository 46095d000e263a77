/**
 * aws-mcp-proxy: a local stdio MCP server that forwards every JSON-RPC message
 * to one remote MCP server over Streamable HTTP, signing each HTTP request
 * with AWS SigV4 from the user's local AWS credentials.
 *
 * Run it from an MCP client's configuration:
 *
 * ```sh
 * deno run --allow-net=bedrock-agentcore.us-east-1.amazonaws.com \
 *   --allow-read=$HOME/.aws --allow-env=AWS_*,HOME \
 *   jsr:@mcp-sigv4/aws-mcp-proxy \
 *   https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/ARN/invocations --profile dev
 * ```
 *
 * By default only tools annotated `readOnlyHint: true` are listed and
 * callable; `--allow-write` exposes every tool. `--help` lists every flag.
 *
 * @module
 */
import { StreamableHttp } from "./src/transport/http/streamable_http.ts";
import denoJson from "./deno.json" with { type: "json" };
import { parseCommand, type ProxyOptions, UsageError } from "./src/cli/args.ts";
import { createCredentialSource } from "./src/aws/credentials.ts";
import { readEnv } from "./src/env.ts";
import { helpText } from "./src/cli/help.ts";
import { createLogger, describeError, type Logger } from "./src/log.ts";
import { Redactor } from "./src/redactor.ts";
import { PreflightError, settle } from "./src/cli/preflight.ts";
import { denoPermissionQuery, misplacedAllowWrite } from "./src/cli/permissions.ts";
import { printConfig } from "./src/cli/print_config_command.ts";
import { checkCommand } from "./src/cli/check_command.ts";
import { answerStartupFailure } from "./src/cli/startup_failure.ts";
import { McpProxy } from "./src/mcp/proxy.ts";
import { OwnRequests } from "./src/mcp/own_requests.ts";
import { classifyRemoteError } from "./src/mcp/remote_errors.ts";
import { RequestTable } from "./src/mcp/request_table.ts";
import { RevisionBridge } from "./src/mcp/revision_bridge.ts";
import { ToolGate } from "./src/mcp/tools/tool_gate.ts";
import { RenewingRemote } from "./src/transport/http/renewing_remote.ts";
import { createRetryingFetch } from "./src/transport/http/retrying_fetch.ts";
import { withUserAgent } from "./src/transport/http/user_agent.ts";
import { ResendBudget } from "./src/transport/http/resend_budget.ts";
import { CookieJar, withCookies } from "./src/transport/http/cookie_jar.ts";
import { DEFAULT_RETRY_POLICY, SSE_RECONNECTION } from "./src/retry_policy.ts";
import { createSigningFetch } from "./src/aws/signer.ts";
import { StdioTransport } from "./src/transport/stdio/stdio_transport.ts";
import { compileToolPolicy } from "./src/mcp/tools/tool_filter.ts";

/** The package version, as published. */
export const VERSION: string = denoJson.version;

function print(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text));
}

async function run(options: ProxyOptions, logger: Logger, redactor: Redactor): Promise<number> {
  const { needs, scope } = await settle(options);
  logger.info(
    `forwarding to ${options.endpoint.origin}${options.endpoint.pathname} as ${scope.service} in ${scope.region}` +
      `${options.profile ? ` with profile ${options.profile}` : ""}` +
      (options.allowWrite ? "; every tool exposed (--allow-write)" : "; read-only tools only"),
  );
  logger.debug(`credentials from ${needs.source}`);
  if (!options.allowWrite) {
    const misplaced = misplacedAllowWrite(denoPermissionQuery);
    if (misplaced) logger.warn(misplaced);
  }

  const credentials = createCredentialSource({
    profile: options.profile,
    logger,
    redactor,
    process: needs.process,
    hosts: needs.hosts,
  });
  const redact = (text: string) => redactor.redact(text);
  const timeoutMs = options.timeoutSeconds * 1000;
  const errorContext = {
    host: options.endpoint.host,
    origin: options.endpoint.origin,
    path: options.endpoint.pathname,
    ...scope,
    profile: options.profile,
  };
  /** A failure to reach the backend, as one line for the client: what happened, what to do. */
  const explain = (error: unknown) => {
    logger.debug(`backend error detail: ${error instanceof Error ? error.stack : String(error)}`);
    const failure = classifyRemoteError(error, errorContext);
    return { ...failure, message: redact(failure.message) };
  };
  const metadata = { AWS_REGION: scope.region, ...options.metadata };

  // The proxy's parts, each built from those before it.
  // One record per request in flight, the client's and the proxy's own.
  const requests = new RequestTable({ timeoutMs, maxInFlight: options.maxInFlight });
  const own = new OwnRequests({ requests, metadata });
  const gate = new ToolGate({
    policy: compileToolPolicy({
      allowWrite: options.allowWrite,
      allow: options.allowTools,
      include: options.includeTools,
      exclude: options.excludeTools,
    }),
    listPage: own.listTools,
    timeoutMs,
    logger,
    describe: (error) => explain(error).message,
    listen: () =>
      own.request("subscriptions/listen", { notifications: { toolsListChanged: true } }),
  });
  const local = new StdioTransport();
  const bridge = new RevisionBridge({
    toClient: (message) => local.send(message),
    describe: (error) => explain(error).message,
  });
  // A load balancer's sticky-session cookies, kept for one backend session and never logged.
  const cookies = new CookieJar(options.endpoint, {
    onValue: (name, value) => redactor.keep(`cookie ${name}`, value),
  });
  // One request causes at most 1 + --retries + 1 POSTs, whatever each layer would resend.
  const budget = new ResendBudget(requests, options.retries + 1);
  // Every attempt goes through the signer, so each retry is signed anew.
  const signedFetch = createRetryingFetch(
    createSigningFetch(
      withUserAgent(withCookies(fetch, cookies), {
        product: `aws-mcp-proxy/${VERSION}`,
        includeClient: !options.hideClient,
      }),
      { ...scope, credentials, logger, mayResend: (body) => budget.spendFor(body) },
    ),
    {
      timeoutMs,
      policy: { ...DEFAULT_RETRY_POLICY, retries: options.retries },
      canResend: (body) => {
        try {
          return gate.safeToRepeat(JSON.parse(body));
        } catch {
          return false;
        }
      },
      mayRetry: (body) => budget.spendFor(body),
      logger,
    },
  );
  const remote = new RenewingRemote({
    requests,
    open: () =>
      new StreamableHttp(options.endpoint, {
        fetch: signedFetch,
        headers: options.headers,
        reconnection: SSE_RECONNECTION,
      }),
    canReplay: gate.safeToRepeat,
    recheck: gate.recheck,
    timeoutMs,
    logger,
    redact,
    budget,
    onSessionEnd: () => cookies.clear(),
  });
  const proxy = new McpProxy({
    local,
    remote,
    requests,
    own,
    gate,
    bridge,
    metadata,
    explain,
    logger,
  });

  // Resolve credentials now, while the client starts, so the first request does not wait.
  credentials().then(
    (c) =>
      logger.debug(
        `credentials ready${c.expiration ? `, expiring ${c.expiration.toISOString()}` : ""}`,
      ),
    (error) => logger.warn(describeError(error)),
  );

  // The last line of defence: every path answers its own failures, but a fault missed there must
  // cost one request, not every request of the session.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    logger.error(`internal error, carrying on: ${describeError(event.reason)}`);
  });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    logger.error(`internal error, carrying on: ${describeError(event.error)}`);
  });

  const stop = (reason: string) => () => void proxy.shutdown(reason);
  Deno.addSignalListener("SIGINT", stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", stop("SIGTERM"));

  await proxy.start();
  await proxy.closed;
  return 0;
}

/** Runs the CLI with `args` and returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseCommand(args, { AWS_PROFILE: readEnv("AWS_PROFILE") });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return await cannotStart(2, `${error.message} (see --help)`, createLogger());
  }
  if (command.kind === "help") {
    print(helpText(denoJson.name, VERSION));
    return 0;
  }
  if (command.kind === "version") {
    print(`aws-mcp-proxy ${VERSION}\n`);
    return 0;
  }
  const redactor = new Redactor();
  const logger = createLogger({ level: command.options.logLevel, redactor });
  try {
    if (command.kind === "check") {
      const report = await checkCommand(command.options, { logger, redactor, version: VERSION });
      print(command.json ? report.json : report.text);
      return report.passed ? 0 : 1;
    }
    if (command.kind === "print-config") {
      print(
        await printConfig(command.options, {
          client: command.client,
          flags: command.flags,
          specifier: `jsr:${denoJson.name}`,
          deno: Deno.execPath(),
        }),
      );
      return 0;
    }
    return await run(command.options, logger, redactor);
  } catch (error) {
    if (error instanceof UsageError) {
      return await cannotStart(2, `${error.message} (see --help)`, logger);
    }
    if (error instanceof PreflightError) return await cannotStart(2, error.message, logger);
    return await cannotStart(1, `cannot start: ${describeError(error)}`, logger);
  }
}

/**
 * Reports why the proxy cannot start, on stderr and to the waiting client,
 * and returns the exit code: 2 for what the command line or the permissions
 * must fix, 1 for anything else.
 */
async function cannotStart(code: 1 | 2, reason: string, logger: Logger): Promise<number> {
  logger.error(reason);
  await answerStartupFailure(reason);
  return code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
