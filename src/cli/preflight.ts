/**
 * The checks the CLI makes before it reads a variable, a file or a host for
 * real: the base permissions, the profile, and what the profile's credential
 * source will reach. Each failure is one line that names the fix; Deno never
 * gets to prompt and the SDK never gets to fail in its own words.
 *
 * @module
 */
import { readSharedFiles, regionSources } from "../aws/aws_config.ts";
import { resolveScope, resolveService, type SigningScope } from "../aws/endpoint.ts";
import { describeError } from "../log.ts";
import { type ProxyOptions, UsageError } from "./args.ts";
import {
  type CredentialNeeds,
  credentialNeeds,
  NEEDS_ENV,
  type NeedsEnv,
  type SharedFiles,
} from "../aws/credential_needs.ts";
import { readEnv } from "../env.ts";
import { closest } from "./closest.ts";
import {
  denoPermissionQuery,
  missingForCredentials,
  missingPermissions,
  type PermissionQuery,
} from "./permissions.ts";
import { shellQuote } from "../shell_quote.ts";

/** What start-up learned, when it may go on. */
export interface Preflight {
  /** The shared files as read at start. */
  files: SharedFiles;
  /** What the credential chain will reach. */
  needs: CredentialNeeds;
}

/** Start-up cannot go on; `message` says why and what to do. */
export class PreflightError extends Error {
  /** Creates the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "PreflightError";
  }
}

/** Where the shared files are, as the AWS SDK looks for them. */
export function sharedFilePaths(): { config: string; credentials: string } {
  const home = readEnv("HOME") ?? readEnv("USERPROFILE") ?? "$HOME";
  return {
    config: readEnv("AWS_CONFIG_FILE") ?? `${home}/.aws/config`,
    credentials: readEnv("AWS_SHARED_CREDENTIALS_FILE") ?? `${home}/.aws/credentials`,
  };
}

function needsEnv(): NeedsEnv {
  const env: NeedsEnv = {};
  for (const name of NEEDS_ENV) {
    const value = readEnv(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** The profiles the shared files define, by name. */
export function profileNames(files: SharedFiles): string[] {
  const names = new Set<string>(Object.keys(files.credentialsFile));
  for (const name of Object.keys(files.configFile)) {
    if (!/^(sso-session|services)\./.test(name)) names.add(name);
  }
  return [...names];
}

/** What the credential chain of `profile` will need, from the shared files; no permission check. */
export async function inspectCredentials(
  profile: string | undefined,
): Promise<Preflight & { paths: { config: string; credentials: string } }> {
  const paths = sharedFilePaths();
  const files = await readSharedFiles();
  if (profile && !profileNames(files).includes(profile)) {
    const near = closest(profile, profileNames(files));
    throw new PreflightError(
      `AWS profile "${profile}" is not in ${paths.config} or ${paths.credentials}${
        near ? `; did you mean "${near}"?` : "."
      } Create it with aws configure --profile ${
        shellQuote(profile)
      } (or aws configure sso), or list them with aws configure list-profiles`,
    );
  }
  return { files, needs: credentialNeeds(profile, files, needsEnv()), paths };
}

/**
 * Checks, in order, the permissions to read the environment, the shared
 * files and the endpoint; that a named profile exists; and the permissions
 * its credential source needs. Throws a {@linkcode PreflightError} naming
 * every missing flag it can know of at once.
 */
export async function preflight(
  options: { host: string; profile?: string | undefined },
  query: PermissionQuery = denoPermissionQuery,
): Promise<Preflight> {
  const paths = sharedFilePaths();
  const keysInEnv = !options.profile && readEnv("AWS_ACCESS_KEY_ID") !== undefined;
  const base = missingPermissions(
    { host: options.host, configFile: keysInEnv ? undefined : paths.config },
    query,
  );
  if (base.length > 0) throw new PreflightError(`missing Deno permissions: add ${base.join(", ")}`);
  const { files, needs } = await inspectCredentials(options.profile);
  const missing = missingForCredentials(needs, query);
  if (missing.length > 0) {
    throw new PreflightError(
      `missing Deno permissions for the AWS credentials (${needs.source}): add ${
        missing.join(" ")
      }`,
    );
  }
  return { files, needs };
}

/** What the CLI settled before it starts: the preflight's findings and the signing scope. */
export interface Settled extends Preflight {
  /** The SigV4 service and region. */
  scope: SigningScope;
}

/**
 * Settles what a run or a check starts from: the service can be inferred,
 * the permissions are there ({@linkcode preflight}), and the region is
 * known. A {@linkcode UsageError} or a {@linkcode PreflightError} says what
 * to fix.
 */
export async function settle(options: ProxyOptions): Promise<Settled> {
  try {
    resolveService(options.endpoint, options.service);
  } catch (error) {
    throw new UsageError(describeError(error));
  }
  // Before anything reads a variable, a file or a host: Deno would prompt on a terminal.
  const { files, needs } = await preflight({
    host: options.endpoint.host,
    profile: options.profile,
  });
  const scope = await resolveScope(options.endpoint, {
    service: options.service,
    region: options.region,
    ...regionSources(options.profile, files),
  }).catch((error) => {
    throw new UsageError(describeError(error));
  });
  return { files, needs, scope };
}
