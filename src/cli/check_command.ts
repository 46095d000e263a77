/**
 * `--check`: from a terminal, before the configuration goes into a client,
 * one run that says line by line what works and what to do about what does
 * not: the permissions, the profile and its credentials, whose identity they
 * are (STS `GetCallerIdentity`, where that host is allowed), the endpoint,
 * the signature, the protocol revision and the server, the tools and what
 * hides each, and the round trip of one `tools/list`. It needs no permission
 * the proxy does not, except the STS host, which it names.
 *
 * @module
 */
import { Client } from "@modelcontextprotocol/client";
import { createCredentialSource } from "../aws/credentials.ts";
import { createSigningFetch } from "../aws/signer.ts";
import type { SigningScope } from "../aws/endpoint.ts";
import type { Logger } from "../log.ts";
import { describeError } from "../log.ts";
import { readEnv } from "../env.ts";
import { bodyStart } from "../transport/http/http_response.ts";
import type { Redactor } from "../redactor.ts";
import { StreamableHTTPClientTransport, type Tool } from "../mcp_sdk.ts";
import { classifyRemoteError } from "../mcp/remote_errors.ts";
import { compileToolPolicy, filterTools } from "../mcp/tools/tool_filter.ts";
import { type ProxyOptions, UsageError } from "./args.ts";
import { denoPermissionQuery, type PermissionQuery } from "./permissions.ts";
import { type Preflight, PreflightError, settle } from "./preflight.ts";

/** One line of the report. */
export interface CheckLine {
  /** What was checked. */
  what: string;
  /** `ok`, `fail`, or `skip` (not checked, and why). */
  outcome: "ok" | "fail" | "skip";
  /** What was found, or what to do. */
  detail: string;
}

/** What the check works from: the options, what start-up learned, and its own parts. */
export interface CheckInput {
  /** The options as for a run. */
  options: ProxyOptions;
  /** The signing scope, resolved. */
  scope: SigningScope;
  /** What the start-up check learned of the credential source. */
  preflight: Preflight;
  /** Where the credential chain's diagnostics go. */
  logger: Logger;
  /** Learns the secrets in use, to keep them out of every line. */
  redactor: Redactor;
  /** The proxy's version, for the User-Agent. */
  version: string;
  /** Answers whether a permission is granted; Deno's own unless given. */
  query?: PermissionQuery;
}

/** The STS endpoint `GetCallerIdentity` goes to: the SDK's override, else the regional one. */
function stsUrl(region: string): URL {
  const override = readEnv("AWS_ENDPOINT_URL_STS") ?? readEnv("AWS_ENDPOINT_URL");
  if (override) return new URL(override);
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return new URL(`https://sts.${region}.${suffix}/`);
}

/** Runs every check; each line says what it found. */
export async function runChecks(input: CheckInput): Promise<CheckLine[]> {
  const { options, scope, preflight } = input;
  const query = input.query ?? denoPermissionQuery;
  const lines: CheckLine[] = [];
  const say = (what: string, outcome: CheckLine["outcome"], detail: string) =>
    lines.push({ what, outcome, detail: input.redactor.redact(detail) });
  say(
    "permissions",
    "ok",
    `the endpoint, the AWS variables and files, and what ${preflight.needs.source} needs`,
  );

  const credentials = createCredentialSource({
    profile: options.profile,
    logger: input.logger,
    redactor: input.redactor,
    process: preflight.needs.process,
    hosts: preflight.needs.hosts,
  });
  const who = options.profile ? `profile ${options.profile}` : "the default chain";
  let resolved;
  try {
    resolved = await credentials();
    const expiry = resolved.expiration
      ? `, expiring ${resolved.expiration.toISOString()}`
      : ", not expiring";
    say("credentials", "ok", `${who}: ${preflight.needs.source}${expiry}`);
  } catch (error) {
    say("credentials", "fail", describeError(error));
    return lines;
  }

  const sts = stsUrl(scope.region);
  if (query({ name: "net", host: sts.host }) !== "granted") {
    say(
      "identity",
      "skip",
      `add --allow-net=${sts.host} to this check (not to the proxy) to see whose credentials these are`,
    );
  } else {
    const signed = createSigningFetch(fetch, { service: "sts", region: scope.region, credentials });
    try {
      const response = await signed(sts, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "Action=GetCallerIdentity&Version=2011-06-15",
      });
      const text = await bodyStart(response) ?? "";
      const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
      const account = /<Account>([^<]+)<\/Account>/.exec(text)?.[1];
      if (response.ok && arn) say("identity", "ok", `${arn} (account ${account ?? "?"})`);
      else say("identity", "fail", `STS answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    } catch (error) {
      say("identity", "fail", `STS at ${sts.host}: ${describeError(error)}`);
    }
  }

  const transport = new StreamableHTTPClientTransport(options.endpoint, {
    fetch: createSigningFetch(fetch, { ...scope, credentials }),
    requestInit: {
      headers: { ...options.headers, "user-agent": `aws-mcp-proxy/${input.version}` },
    },
  });
  const client = new Client({ name: "aws-mcp-proxy-check", version: input.version });
  const context = { host: options.endpoint.host, origin: options.endpoint.origin, ...scope };
  try {
    await client.connect(transport);
    const server = client.getServerVersion();
    say(
      "endpoint",
      "ok",
      `${options.endpoint.host} reached, signature accepted; protocol ${
        client.getNegotiatedProtocolVersion() ?? "?"
      }; server ${JSON.stringify(server?.name ?? "?")} ${server?.version ?? ""}`.trimEnd(),
    );
  } catch (error) {
    say("endpoint", "fail", classifyRemoteError(error, context).message);
    await client.close().catch(() => {});
    return lines;
  }
  try {
    const started = performance.now();
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await client.listTools(cursor === undefined ? {} : { cursor });
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    const elapsed = performance.now() - started;
    const policy = compileToolPolicy({
      allowWrite: options.allowWrite,
      allow: options.allowTools,
      include: options.includeTools,
      exclude: options.excludeTools,
    });
    const { visible, hidden } = filterTools(tools, policy);
    const why = hidden.map((h) => `${h.name} (${h.reason})`).join(", ");
    say(
      "tools",
      visible.length > 0 || tools.length === 0 ? "ok" : "fail",
      `${tools.length} offered, ${visible.length} shown${
        hidden.length > 0 ? `; hidden: ${why}` : ""
      }`,
    );
    say("round trip", "ok", `tools/list in ${elapsed.toFixed(0)} ms`);
  } catch (error) {
    say("tools", "fail", classifyRemoteError(error, context).message);
  } finally {
    await client.close().catch(() => {});
  }
  return lines;
}

/** The report as text for a terminal, one line per check. */
export function formatChecks(lines: readonly CheckLine[]): string {
  return lines.map((l) => `${l.outcome.padEnd(5)}${l.what}: ${l.detail}\n`).join("");
}

/** Whether the proxy would work: no check failed. */
export function checksPassed(lines: readonly CheckLine[]): boolean {
  return lines.every((l) => l.outcome !== "fail");
}

/** The `--check` report: its lines as text and as JSON, and whether the proxy would work. */
export interface CheckReport {
  /** One line per check, for a terminal. */
  text: string;
  /** `{ ok, checks }`, for a script. */
  json: string;
  /** Whether every check passed (exit 0). */
  passed: boolean;
}

/**
 * `--check` from start to end: start-up as a run settles it (a failure
 * there is the report's one line), then every check.
 */
export async function checkCommand(
  options: ProxyOptions,
  parts: Omit<CheckInput, "options" | "scope" | "preflight">,
): Promise<CheckReport> {
  let lines: CheckLine[];
  try {
    const { files, needs, scope } = await settle(options);
    lines = await runChecks({ ...parts, options, scope, preflight: { files, needs } });
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof PreflightError)) throw error;
    lines = [{ what: "start-up", outcome: "fail", detail: error.message }];
  }
  const passed = checksPassed(lines);
  const json = `${JSON.stringify({ ok: passed, checks: lines }, null, 2)}\n`;
  return { text: formatChecks(lines), json, passed };
}
