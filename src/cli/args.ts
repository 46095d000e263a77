/**
 * Command-line arguments to proxy options. Pure: the environment is passed in.
 *
 * @module
 */
import { parseFlags } from "./cli_flags.ts";
import { closest } from "./closest.ts";
import { denoFlagMisplaced } from "./deno_flags.ts";
import { parseEndpoint } from "../aws/endpoint.ts";
import { LOG_LEVELS, type LogLevel } from "../log.ts";
import { parseHeaderFlag, parseMetadataFlag } from "../mcp/request_extras.ts";

/** Everything the proxy needs to know from the command line. */
export interface ProxyOptions {
  /** The remote MCP endpoint, checked by {@linkcode parseEndpoint}. */
  endpoint: URL;
  /** `--service`: the SigV4 signing name; inferred from the endpoint when absent. */
  service?: string;
  /** `--region`: the AWS region; inferred when absent. */
  region?: string;
  /** `--profile`, else `AWS_PROFILE`: the AWS profile whose credentials sign. */
  profile?: string;
  /** `--allow-write`: expose every tool, not only those annotated read-only. */
  allowWrite: boolean;
  /** `--allow-tool`: glob patterns of tools trusted in read-only mode without `readOnlyHint: true`. */
  allowTools: string[];
  /** `--include-tool`: glob patterns; when any is given, only matching tools are exposed. */
  includeTools: string[];
  /** `--exclude-tool`: glob patterns of tools never exposed. */
  excludeTools: string[];
  /** `--metadata KEY=VALUE`: merged into `params._meta` of every forwarded request. */
  metadata: Record<string, string>;
  /** `--header "Name: value"`: extra HTTP headers, signed with the rest. */
  headers: Record<string, string>;
  /** `--timeout`: seconds one HTTP request may take before the client gets an error. */
  timeoutSeconds: number;
  /** `--retries`: how many times a request that failed in a safe-to-retry way is sent again. */
  retries: number;
  /** `--max-in-flight`: requests sent to the server at once; more wait their turn. */
  maxInFlight: number;
  /** `--hide-client`: leave the MCP client's name and version out of the User-Agent. */
  hideClient: boolean;
  /** `--log-level`: the most verbose level written to stderr. */
  logLevel: LogLevel;
}

/** The MCP clients `--print-config` writes a configuration for. */
export const CONFIG_CLIENTS = ["claude", "vscode"] as const;

/** One of {@linkcode CONFIG_CLIENTS}. */
export type ConfigClient = typeof CONFIG_CLIENTS[number];

/** What the command line asks for. */
export type Command =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "run"; options: ProxyOptions }
  | {
    kind: "check";
    options: ProxyOptions;
    /** Whether the report is printed as JSON, for scripts. */
    json: boolean;
  }
  | {
    kind: "print-config";
    options: ProxyOptions;
    /** The client whose configuration format to print. */
    client: ConfigClient;
    /** The proxy's own flags as given, to carry into the configuration. */
    flags: string[];
  };

/** A command line that cannot be run; the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  /** Creates a usage error with a one-line reason. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The environment variables the arguments depend on. */
export interface ArgsEnv {
  /** The profile used when `--profile` is absent. */
  AWS_PROFILE?: string | undefined;
}

const DEFAULT_TIMEOUT_SECONDS = 180;
/** The AWS SDKs' standard retry mode makes 3 attempts: the first and 2 retries. */
const DEFAULT_RETRIES = 2;
const MAX_RETRIES = 10;
/** Requests at once to the server: far above what an assistant sends, far below what hurts. */
const DEFAULT_MAX_IN_FLIGHT = 64;
const MAX_MAX_IN_FLIGHT = 1024;

const FLAGS = {
  service: { type: "string" },
  region: { type: "string" },
  profile: { type: "string" },
  "allow-write": { type: "boolean" },
  "allow-tool": { type: "string", multiple: true },
  "include-tool": { type: "string", multiple: true },
  "exclude-tool": { type: "string", multiple: true },
  metadata: { type: "string", multiple: true },
  header: { type: "string", multiple: true },
  timeout: { type: "string" },
  retries: { type: "string" },
  "max-in-flight": { type: "string" },
  "hide-client": { type: "boolean" },
  "log-level": { type: "string" },
  "print-config": { type: "boolean" },
  check: { type: "boolean" },
  json: { type: "boolean" },
  client: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

function stringFlag(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function listFlag(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function nonEmpty(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === "") throw new UsageError(`--${name} needs a value`);
  return value?.trim();
}

function parseLogLevel(value: string | undefined): LogLevel {
  if (value === undefined) return "info";
  const level = LOG_LEVELS.find((l) => l === value);
  if (!level) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, not "${value}"`);
  }
  return level;
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--timeout must be a positive number of seconds, not "${value}"`);
  }
  return seconds;
}

function parseRetries(value: string | undefined): number {
  if (value === undefined) return DEFAULT_RETRIES;
  const retries = Number(value);
  if (!Number.isInteger(retries) || retries < 0 || retries > MAX_RETRIES) {
    throw new UsageError(
      `--retries must be a whole number from 0 to ${MAX_RETRIES}, not "${value}"`,
    );
  }
  return retries;
}

function parseMaxInFlight(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_IN_FLIGHT;
  const max = Number(value);
  if (!Number.isInteger(max) || max < 1 || max > MAX_MAX_IN_FLIGHT) {
    throw new UsageError(
      `--max-in-flight must be a whole number from 1 to ${MAX_MAX_IN_FLIGHT}, not "${value}"`,
    );
  }
  return max;
}

function firstSentence(message: string): string {
  return message.split(/\.\s|\n/)[0]?.replace(/\.$/, "") ?? message;
}

/**
 * Reads a command line (without the program name) into a {@linkcode Command};
 * throws a {@linkcode UsageError} with a one-line reason for anything unusable.
 *
 * @example
 * ```ts
 * import { parseCommand } from "./args.ts";
 * const command = parseCommand(["https://aws-mcp.us-east-1.api.aws/mcp", "--allow-write"], {});
 * command.kind; // "run"
 * ```
 */
export function parseCommand(argv: readonly string[], env: ArgsEnv): Command {
  let parsed;
  try {
    parsed = parseFlags(argv, FLAGS);
  } catch (error) {
    const message = firstSentence(error instanceof Error ? error.message : String(error));
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const misplaced = unknown === undefined ? undefined : denoFlagMisplaced(unknown);
    if (misplaced) throw new UsageError(misplaced);
    const near = unknown === undefined ? undefined : closest(unknown, Object.keys(FLAGS));
    throw new UsageError(near ? `${message}; did you mean --${near}?` : message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };

  if (positionals.length === 0) {
    throw new UsageError("Missing the endpoint: pass the MCP URL, such as https://HOST/mcp");
  }
  if (positionals.length > 1) {
    throw new UsageError(
      `Expected one endpoint, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  let endpoint: URL;
  try {
    endpoint = parseEndpoint(positionals[0] as string);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }

  const options: ProxyOptions = {
    endpoint,
    allowWrite: values["allow-write"] === true,
    allowTools: listFlag(values["allow-tool"]),
    includeTools: listFlag(values["include-tool"]),
    excludeTools: listFlag(values["exclude-tool"]),
    metadata: {},
    headers: {},
    timeoutSeconds: parseTimeout(stringFlag(values.timeout)),
    retries: parseRetries(stringFlag(values.retries)),
    maxInFlight: parseMaxInFlight(stringFlag(values["max-in-flight"])),
    hideClient: values["hide-client"] === true,
    logLevel: parseLogLevel(stringFlag(values["log-level"])),
  };
  const service = nonEmpty("service", stringFlag(values.service));
  if (service) options.service = service;
  const region = nonEmpty("region", stringFlag(values.region));
  if (region) options.region = region;
  const profile = nonEmpty("profile", stringFlag(values.profile)) ?? (env.AWS_PROFILE || undefined);
  if (profile) options.profile = profile;
  try {
    for (const entry of listFlag(values.metadata)) {
      Object.assign(options.metadata, parseMetadataFlag(entry));
    }
    for (const entry of listFlag(values.header)) {
      Object.assign(options.headers, parseHeaderFlag(entry));
    }
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.json === true && values.check !== true) {
    throw new UsageError("--json goes with --check");
  }
  if (values.check === true) {
    if (values["print-config"] === true) {
      throw new UsageError("--check and --print-config are two commands: pass one");
    }
    return { kind: "check", options, json: values.json === true };
  }
  if (values["print-config"] !== true) {
    if (values.client !== undefined) throw new UsageError("--client goes with --print-config");
    return { kind: "run", options };
  }
  const client = stringFlag(values.client) ?? "claude";
  const known = CONFIG_CLIENTS.find((c) => c === client);
  if (!known) {
    throw new UsageError(`--client must be one of ${CONFIG_CLIENTS.join(", ")}, not "${client}"`);
  }
  return { kind: "print-config", options, client: known, flags: proxyFlags(argv) };
}

/** `argv` without the endpoint and the flags that only `--print-config` reads. */
function proxyFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--print-config" || arg.startsWith("--client=")) continue;
    if (arg === "--client") {
      i++;
      continue;
    }
    if (!arg.startsWith("-") && !(out.length > 0 && takesValue(out.at(-1)!))) continue;
    out.push(arg);
  }
  return out;
}

/** Whether `arg` is a flag whose value is the next argument. */
function takesValue(arg: string): boolean {
  const name = arg.replace(/^--/, "");
  return !name.includes("=") &&
    (FLAGS as Record<string, { type: string }>)[name]?.type === "string";
}
