/**
 * The `--help` text: every flag, its default, and the permission flags to
 * run with.
 *
 * @module
 */

import { ENV_PERMISSION } from "./permissions.ts";

/** Returns the usage text for `version`, naming the package to run. */
export function helpText(name: string, version: string): string {
  return `aws-mcp-proxy ${version}: a local stdio MCP server that forwards every message
to one remote MCP server over Streamable HTTP, signed with AWS SigV4.

Usage:
  deno run --allow-net=HOST --allow-read=$HOME/.aws \\
    --allow-env=${ENV_PERMISSION} \\
    jsr:${name} https://HOST/mcp [flags]

Arguments:
  <endpoint>              The remote MCP URL, including its path (https; http
                          only for localhost)

Flags:
  --service NAME          SigV4 signing name (default: inferred from the host:
                          bedrock-agentcore, execute-api, lambda, or the first
                          label of SERVICE.REGION.api.aws)
  --region REGION         AWS region (default: from the host, then the
                          profile's region, then AWS_REGION / AWS_DEFAULT_REGION)
  --profile NAME          AWS profile (default: AWS_PROFILE, else the default
                          credential chain)
  --allow-write           Expose every tool (default: only tools annotated
                          readOnlyHint: true are listed and callable)
  --allow-tool GLOB       Trust tools matching GLOB in read-only mode although
                          they lack readOnlyHint: true, for servers that
                          annotate nothing (repeatable; --exclude-tool wins)
  --include-tool GLOB     Expose only tools matching GLOB (repeatable)
  --exclude-tool GLOB     Never expose tools matching GLOB (repeatable)
  --metadata KEY=VALUE    Add to params._meta of every request (repeatable;
                          AWS_REGION=<region> is added unless given)
  --header "Name: value"  Add an HTTP header to every request, signed (repeatable)
  --timeout SECONDS       Longest wait for an answer to one request (default: 180)
  --retries N             Times a request is sent again after a throttle, a
                          502/503/504 or a failed connection, with backoff and
                          jitter, honouring Retry-After; a tool call that may
                          have run is never re-sent (default: 2)
  --max-in-flight N       Requests sent to the server at once; up to 4096 more
                          wait their turn, and past that a request is refused
                          with an error that says so (default: 64)
  --hide-client           Leave the MCP client's name and version out of the
                          User-Agent (default: aws-mcp-proxy/VERSION NAME/VERSION)
  --log-level LEVEL       error, warn, info or debug, written to stderr
                          (default: info)
  --print-config          Print an MCP client configuration for this endpoint
                          and profile, with the fewest permissions that work,
                          instead of starting (run it with --allow-read and
                          --allow-env as below)
  --check                 Check, from a terminal, what the proxy needs for this
                          endpoint and profile (permissions, credentials and
                          whose they are, the endpoint and signature, the
                          server, the tools), one line each; exit 0 when the
                          proxy would work, 1 when not
  --json                  With --check: the report as JSON
  --client NAME           With --print-config: claude (also Amazon Q CLI, Kiro,
                          Cursor) or vscode (default: claude)
  -h, --help              Show this text
  -V, --version           Show the version

Permissions (Deno; never -A):
  --allow-net=HOST        The endpoint host, and what the profile's credential
                          source calls: STS for assume-role and web identity,
                          the SSO portal and OIDC hosts of the sso_region, the
                          container or instance metadata service. The proxy
                          names the exact hosts at start; --print-config writes
                          them into the client configuration.
  --allow-read=$HOME/.aws The shared config, credentials and SSO cache files
                          (and a web identity token file)
  --allow-env=${ENV_PERMISSION}
                          The AWS variables and the home directory
  --allow-run=PROGRAM     Only for a credential_process: the program it names

Exit codes: 0 after stdin closes or SIGINT/SIGTERM, 1 on a start-up failure,
2 for bad arguments.
`;
}
