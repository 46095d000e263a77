/**
 * aws-mcp-proxy: a local stdio MCP server that forwards every JSON-RPC message
 * to one remote MCP server over Streamable HTTP, signing each HTTP request
 * with AWS SigV4 from the user's local AWS credentials.
 *
 * Run it from an MCP client's configuration:
 *
 * ```sh
 * deno run --v8-flags=--max-semi-space-size=8 \
 *   --allow-net=bedrock-agentcore.us-east-1.amazonaws.com \
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
import { StreamableHTTPClientTransport } from "./src/mcp_sdk.ts";
import denoJson from "./deno.json" with { type: "json" };
import { parseCommand, type ProxyOptions, UsageError } from "./src/args.ts";
import { readProfileRegion } from "./src/aws_config.ts";
import { createCredentialSource } from "./src/credentials.ts";
import { resolveScope, resolveService } from "./src/endpoint.ts";
import { readEnv } from "./src/env.ts";
import { helpText } from "./src/help.ts";
import { createLogger, describeError, type Logger } from "./src/log.ts";
import { Redactor } from "./src/redactor.ts";
import { denoPermissionQuery, missingPermissions } from "./src/permissions.ts";
import { McpProxy } from "./src/proxy.ts";
import { RenewingRemote } from "./src/renewing_remote.ts";
import { ResponseTap } from "./src/response_tap.ts";
import { createRetryingFetch } from "./src/retrying_fetch.ts";
import { DEFAULT_RETRY_POLICY } from "./src/retry_policy.ts";
import { createSigningFetch } from "./src/signer.ts";
import { StdioTransport } from "./src/stdio_transport.ts";
import { guardStreams } from "./src/stream_guard.ts";
import { compileToolPolicy } from "./src/tool_filter.ts";

/** The package version, as published. */
export const VERSION: string = denoJson.version;

function print(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text));
}

/**
 * The shared config file the credential chain would read, when credentials
 * may come from files; `$HOME/.aws/config` when the home directory cannot be
 * read yet (its permission is missing too, and is named with it).
 */
function configFileNeeded(options: ProxyOptions): string | undefined {
  if (!options.profile && readEnv("AWS_ACCESS_KEY_ID")) return undefined;
  const home = readEnv("HOME") ?? readEnv("USERPROFILE");
  return readEnv("AWS_CONFIG_FILE") ?? `${home ?? "$HOME"}/.aws/config`;
}

/** Runs `fn`, turning what it throws into a {@linkcode UsageError}. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new UsageError(describeError(error));
  }
}

async function run(options: ProxyOptions, logger: Logger, redactor: Redactor): Promise<number> {
  asUsage(() => resolveService(options.endpoint, options.service));
  // Before anything reads a variable, a file or a host: Deno would prompt on a terminal.
  const missing = missingPermissions(
    { host: options.endpoint.host, configFile: configFileNeeded(options) },
    denoPermissionQuery,
  );
  if (missing.length > 0) {
    logger.error(`missing Deno permissions: add ${missing.join(", ")}`);
    return 2;
  }
  const scope = await resolveScope(options.endpoint, {
    service: options.service,
    region: options.region,
    profileRegion: () => readProfileRegion(options.profile),
    envRegion: readEnv("AWS_REGION") ?? readEnv("AWS_DEFAULT_REGION"),
  }).catch((error) => {
    throw new UsageError(describeError(error));
  });
  logger.info(
    `forwarding to ${options.endpoint.origin}${options.endpoint.pathname} as ${scope.service} in ${scope.region}` +
      `${options.profile ? ` with profile ${options.profile}` : ""}` +
      (options.allowWrite ? "; every tool exposed (--allow-write)" : "; read-only tools only"),
  );

  const credentials = createCredentialSource({ profile: options.profile, logger, redactor });
  const redact = (text: string) => redactor.redact(text);
  const timeoutMs = options.timeoutSeconds * 1000;
  // Every attempt goes through the signer, so each retry is signed anew.
  const remoteFetch = createRetryingFetch(
    createSigningFetch(fetch, { ...scope, credentials, logger }),
    {
      timeoutMs,
      policy: { ...DEFAULT_RETRY_POLICY, retries: options.retries },
      canResend: (body) => {
        try {
          return proxy.safeToRepeat(JSON.parse(body));
        } catch {
          return false;
        }
      },
      logger,
    },
  );
  const tap = new ResponseTap((id) => proxy.takesUnread(id));
  // The guard below the tap: no line the tap or the SDK buffers grows past the limit.
  const tappedFetch = tap.wrap(guardStreams(remoteFetch));
  const remote: RenewingRemote = new RenewingRemote({
    open: () =>
      new StreamableHTTPClientTransport(options.endpoint, {
        fetch: tappedFetch,
        requestInit: { headers: options.headers },
      }),
    canReplay: (request) => proxy.safeToRepeat(request),
    recheck: (request) => proxy.recheck(request),
    timeoutMs,
    logger,
    redact,
  });
  const proxy: McpProxy = new McpProxy({
    local: new StdioTransport(),
    tap,
    remote,
    policy: compileToolPolicy({
      allowWrite: options.allowWrite,
      allow: options.allowTools,
      include: options.includeTools,
      exclude: options.excludeTools,
    }),
    metadata: { AWS_REGION: scope.region, ...options.metadata },
    timeoutMs,
    errorContext: { host: options.endpoint.host, ...scope, profile: options.profile },
    logger,
    redact,
  });

  // Resolve credentials now, while the client starts, so the first request does not wait.
  credentials().then(
    (c) =>
      logger.debug(
        `credentials ready${c.expiration ? `, expiring ${c.expiration.toISOString()}` : ""}`,
      ),
    (error) => logger.warn(describeError(error)),
  );

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
    return usageFailure(error, createLogger());
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
    return await run(command.options, logger, redactor);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(error, logger);
    logger.error(`cannot start: ${describeError(error)}`);
    return 1;
  }
}

/** Reports a command line that cannot be run; exit code 2. Anything else is rethrown. */
function usageFailure(error: unknown, logger: Logger): number {
  if (!(error instanceof UsageError)) throw error;
  logger.error(`${error.message} (see --help)`);
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
