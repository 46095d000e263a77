/**
 * The library API: reach an IAM-protected MCP server from TypeScript without
 * the CLI. Use {@linkcode createSigningFetch} as the `fetch` option of the MCP
 * SDK's `StreamableHTTPClientTransport`, or let
 * {@linkcode connectSigV4Client} build and connect an SDK `Client`.
 *
 * @example
 * ```ts ignore
 * import { connectSigV4Client } from "jsr:@mcp-sigv4/aws-mcp-proxy/client";
 * const client = await connectSigV4Client({
 *   endpoint: "https://aws-mcp.us-east-1.api.aws/mcp",
 *   profile: "dev",
 * });
 * const { tools } = await client.listTools();
 * await client.close();
 * ```
 *
 * @module
 */
import { Client } from "@modelcontextprotocol/client";
import { type AwsCredentials, createCredentialSource } from "./aws/credentials.ts";
import { regionSources } from "./aws/aws_config.ts";
import { parseEndpoint, resolveScope } from "./aws/endpoint.ts";
import { createLogger } from "./log.ts";
import { StreamableHTTPClientTransport } from "./mcp_sdk.ts";
import { isRequest } from "./jsonrpc/message_kind.ts";
import { withMetadata } from "./mcp/request_extras.ts";
import { createSigningFetch } from "./aws/signer.ts";
import { denoPermissionQuery, missingPermissions } from "./cli/permissions.ts";
import { sharedFilePaths } from "./cli/preflight.ts";

export { createSigningFetch, type SigningFetch, type SigningFetchOptions } from "./aws/signer.ts";
export type { AwsCredentials, CredentialSource } from "./aws/credentials.ts";
export type { SigningScope } from "./aws/endpoint.ts";
export type { Logger, LogLevel } from "./log.ts";
export type { FetchLike } from "./mcp_sdk.ts";
export { Client };

/** Options for {@linkcode connectSigV4Client}. */
export interface SigV4ClientOptions {
  /** The MCP endpoint URL, including its path. */
  endpoint: string | URL;
  /** The SigV4 signing name; inferred from the endpoint when absent. */
  service?: string;
  /** The AWS region; from the endpoint, the profile, else `AWS_REGION`, when absent. */
  region?: string;
  /** The AWS profile for the default credential chain; ignored when `credentials` is given. */
  profile?: string;
  /** Fixed credentials or a provider; the AWS default chain when absent. */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Extra HTTP headers on every request, signed with the rest. */
  headers?: Record<string, string>;
  /** Merged into `params._meta` of every request. */
  metadata?: Record<string, string>;
  /** How the client introduces itself; `aws-mcp-proxy-client` by default. */
  clientInfo?: { name: string; version: string };
}

/** Connects an MCP SDK `Client` to a SigV4-protected Streamable HTTP MCP server. */
export async function connectSigV4Client(options: SigV4ClientOptions): Promise<Client> {
  const endpoint = options.endpoint instanceof URL
    ? options.endpoint
    : parseEndpoint(options.endpoint);
  // Before anything reads a variable, a file or the host: say which flags, not a stack later.
  const missing = missingPermissions({
    host: endpoint.host,
    configFile: options.credentials === undefined ? sharedFilePaths().config : undefined,
  }, denoPermissionQuery);
  if (missing.length > 0) {
    throw new Deno.errors.NotCapable(
      `connectSigV4Client needs more Deno permissions: add ${missing.join(", ")}`,
    );
  }
  const scope = await resolveScope(endpoint, {
    service: options.service,
    region: options.region,
    ...regionSources(options.profile),
    naming: "options",
  });
  const given = options.credentials;
  const credentials = given === undefined
    ? createCredentialSource({ profile: options.profile, logger: createLogger({ level: "warn" }) })
    : typeof given === "function"
    ? given
    : () => Promise.resolve(given);
  const transport = new StreamableHTTPClientTransport(endpoint, {
    fetch: createSigningFetch(fetch, { ...scope, credentials }),
    requestInit: { headers: options.headers ?? {} },
  });
  const metadata = options.metadata ?? {};
  if (Object.keys(metadata).length > 0) {
    const send = transport.send.bind(transport);
    transport.send = (message, sendOptions) =>
      send(
        !Array.isArray(message) && isRequest(message) ? withMetadata(message, metadata) : message,
        sendOptions,
      );
  }
  const client = new Client(options.clientInfo ?? { name: "aws-mcp-proxy-client", version: "1" });
  await client.connect(transport);
  return client;
}
