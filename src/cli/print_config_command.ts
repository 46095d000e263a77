/**
 * `--print-config`: learns what the proxy will need for one endpoint and
 * profile (the same way the start-up check does) and renders it as a client
 * configuration that works as printed: from a desktop client started outside
 * any shell, with no `PATH`, no `AWS_REGION` and no keys in its environment.
 * What cannot be carried into such a configuration stops it with exit code 2
 * and a line naming what to add.
 *
 * @module
 */
import { regionSources } from "../aws/aws_config.ts";
import { inferScope, resolveScope } from "../aws/endpoint.ts";
import { readEnv } from "../env.ts";
import type { ConfigClient, ProxyOptions } from "./args.ts";
import { denoPermissionQuery, missingPermissions, readGrant } from "./permissions.ts";
import { inspectCredentials, PreflightError, sharedFilePaths } from "./preflight.ts";
import { renderClientConfig } from "./print_config.ts";

/** Variables of this shell that say where the proxy finds its AWS setup; never a secret. */
const CARRIED_ENV = [
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
];

/** What the command needs besides the options. */
export interface PrintConfigInput {
  /** The client whose format to write. */
  client: ConfigClient;
  /** The proxy's own flags as given, to carry into the configuration. */
  flags: readonly string[];
  /** The package to run, such as `jsr:@mcp-sigv4/aws-mcp-proxy`. */
  specifier: string;
  /** The absolute path of the Deno running now (`Deno.execPath()`). */
  deno: string;
}

function has(flags: readonly string[], name: string): boolean {
  return flags.some((f) => f === name || f.startsWith(`${name}=`));
}

/**
 * The `--print-config` output for `options`; throws a {@linkcode PreflightError}
 * for what a printed configuration could not carry.
 */
export async function printConfig(options: ProxyOptions, input: PrintConfigInput): Promise<string> {
  const missing = missingPermissions(
    { host: options.endpoint.host, configFile: sharedFilePaths().config },
    denoPermissionQuery,
  ).filter((flag) => !flag.startsWith("--allow-net"));
  if (missing.length > 0) {
    throw new PreflightError(`--print-config reads the AWS config: add ${missing.join(", ")}`);
  }
  const { needs, paths, files } = await inspectCredentials(options.profile);
  if (needs.source === "environment keys") {
    throw new PreflightError(
      "--print-config: the credentials come from AWS_ACCESS_KEY_ID in this shell, which an MCP client does not have (and keys do not belong in its configuration). Configure a profile (aws configure --profile NAME, or aws configure sso) and pass --profile NAME",
    );
  }
  const flags = [...input.flags];
  // The client will not have this shell's AWS_PROFILE.
  if (options.profile && !has(flags, "--profile")) flags.push("--profile", options.profile);
  // Nor its AWS_REGION: a region found only there is written out.
  const scope = await resolveScope(options.endpoint, {
    service: options.service,
    region: options.region,
    ...regionSources(options.profile, files),
  }).catch((error) => {
    throw new PreflightError(`--print-config: ${error instanceof Error ? error.message : error}`);
  });
  const fromFiles = regionSources(options.profile, files);
  const inferred = options.region ?? inferScope(options.endpoint.hostname).region ??
    await fromFiles.profileRegion();
  if (inferred === undefined && !has(flags, "--region")) flags.push("--region", scope.region);
  const env: Record<string, string> = {};
  for (const name of CARRIED_ENV) {
    const value = readEnv(name);
    if (value !== undefined) env[name] = value;
  }
  const reads = [readGrant(paths.config), readGrant(paths.credentials), ...needs.files];
  try {
    return renderClientConfig({
      client: input.client,
      specifier: input.specifier,
      endpoint: options.endpoint,
      flags,
      hosts: [options.endpoint.host, ...needs.hosts],
      reads: [...new Set(reads)],
      programs: needs.programs,
      deno: input.deno,
      env,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new PreflightError(error.message);
    throw error;
  }
}
