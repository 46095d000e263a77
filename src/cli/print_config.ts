/**
 * `--print-config`: an MCP client configuration that starts the proxy for one
 * endpoint and profile with the fewest permissions that work, learned the
 * same way the start-up check learns them. The README's examples are its
 * output.
 *
 * @module
 */
import type { ConfigClient } from "./args.ts";
import { allowFlag, ENV_PERMISSION } from "./permissions.ts";

/** What the configuration is made from. */
export interface ConfigInput {
  /** The client whose format to write. */
  client: ConfigClient;
  /** The package to run, such as `jsr:@mcp-sigv4/aws-mcp-proxy`. */
  specifier: string;
  /** The endpoint URL. */
  endpoint: URL;
  /** The proxy flags to pass on (`--profile`, `--allow-tool`, …). */
  flags: readonly string[];
  /** Hosts to reach: the endpoint's, then what the credential source calls. */
  hosts: readonly string[];
  /** Paths to read: the AWS config directory, then any token file. */
  reads: readonly string[];
  /** Programs to run, such as a `credential_process`. */
  programs: readonly string[];
  /** The absolute path of the Deno to run: a desktop client does not inherit the shell's `PATH`. */
  deno: string;
  /** Variables the proxy needs from this shell (`AWS_CONFIG_FILE`, ...), carried into `env`. */
  env: Readonly<Record<string, string>>;
}

/** A server name for the client's list, from the endpoint host. */
function serverName(endpoint: URL): string {
  const label = endpoint.hostname.split(".")[0]?.replace(/[^a-z0-9-]/gi, "-") ?? "";
  return label === "" || /^\d/.test(label) ? "aws-mcp" : `aws-${label}`;
}

/**
 * The configuration as the client's JSON file holds it: `mcpServers` for
 * Claude Desktop (and Amazon Q CLI, Kiro and Cursor, which read the same
 * shape), `servers` with `type: "stdio"` for VS Code. Throws a `RangeError`
 * when a path to grant holds a comma, which no Deno permission flag can name.
 *
 * @example
 * ```ts
 * import { renderClientConfig } from "./print_config.ts";
 * const text = renderClientConfig({
 *   client: "claude",
 *   specifier: "jsr:@mcp-sigv4/aws-mcp-proxy",
 *   endpoint: new URL("https://aws-mcp.us-east-1.api.aws/mcp"),
 *   flags: [],
 *   hosts: ["aws-mcp.us-east-1.api.aws"],
 *   reads: ["/home/me/.aws"],
 *   programs: [],
 *   deno: "/home/me/.deno/bin/deno",
 *   env: {},
 * });
 * JSON.parse(text).mcpServers["aws-aws-mcp"].command; // "/home/me/.deno/bin/deno"
 * ```
 */
export function renderClientConfig(input: ConfigInput): string {
  const args = [
    "run",
    allowFlag("net", input.hosts),
    allowFlag("read", input.reads),
    `--allow-env=${ENV_PERMISSION}`,
    ...(input.programs.length > 0 ? [allowFlag("run", input.programs)] : []),
    input.specifier,
    input.endpoint.href,
    ...input.flags,
  ];
  const server = {
    command: input.deno,
    args,
    ...(Object.keys(input.env).length > 0 ? { env: input.env } : {}),
  };
  const name = serverName(input.endpoint);
  const config = input.client === "vscode"
    ? { servers: { [name]: { type: "stdio", ...server } } }
    : { mcpServers: { [name]: server } };
  return `${JSON.stringify(config, null, 2)}\n`;
}
