/**
 * AWS credentials for one profile, from the AWS SDK's Node provider chain:
 * environment, shared config and credentials files, SSO, assume-role,
 * web identity, process, container and instance metadata. The chain caches
 * what it resolves and refreshes temporary credentials before they expire.
 *
 * @module
 */
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import { processCredentialSource } from "./process_credentials.ts";
import type { Logger } from "../log.ts";
import type { Redactor } from "../redactor.ts";
import { shellQuote } from "../shell_quote.ts";

/** A set of AWS credentials. */
export interface AwsCredentials {
  /** The access key id. */
  readonly accessKeyId: string;
  /** The secret access key. */
  readonly secretAccessKey: string;
  /** The session token of temporary credentials. */
  readonly sessionToken?: string;
  /** When temporary credentials expire. */
  readonly expiration?: Date;
}

/** Resolves credentials; `forceRefresh` drops the cached ones and resolves again. */
export type CredentialSource = (options?: { forceRefresh?: boolean }) => Promise<AwsCredentials>;

/** Credentials could not be resolved; the message says what to do. */
export class CredentialsError extends Error {
  /** Wraps the chain's failure in a message that names the profile and the fix. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CredentialsError";
  }
}

/** Options for {@linkcode createCredentialSource}. */
export interface CredentialSourceOptions {
  /** The AWS profile; the default chain (environment first) when absent. */
  profile?: string | undefined;
  /** Receives the chain's own diagnostics at debug level. */
  logger: Logger;
  /** Told the secret key and session token of each set resolved, to keep them out of any text. */
  redactor?: Redactor;
  /** The profile's own `credential_process`, run without a shell instead of the SDK's chain. */
  process?: string | undefined;
}

/**
 * Turns a credential-chain failure into a message that says what happened
 * and what to run, naming `profile`.
 */
export function explainCredentialError(error: unknown, profile: string | undefined): string {
  const detail = error instanceof Error ? error.message : String(error);
  const who = profile ? `profile "${profile}"` : "the default credential chain";
  const fix = profile ? ` --profile ${shellQuote(profile)}` : "";
  if (/requires? (\w+ )?access|NotCapable/i.test(detail)) {
    return `Cannot read AWS credentials for ${who}: ${detail}`;
  }
  if (/sso|token.*(expired|refresh)|expired.*token/i.test(detail)) {
    return `The AWS SSO session for ${who} has expired or is missing: run "aws sso login${fix}"`;
  }
  if (
    /could not (load|resolve) credentials|profile .* (could not be found|not found)/i.test(detail)
  ) {
    return `No AWS credentials found for ${who}: run "aws configure${fix}" or "aws sso login${fix}", or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  }
  return `Cannot load AWS credentials for ${who}: ${detail}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Creates the cached credential source for a profile. */
export function createCredentialSource(options: CredentialSourceOptions): CredentialSource {
  const { profile } = options;
  const fromProcess = options.process && profile
    ? processCredentialSource(options.process, profile)
    : undefined;
  const chain = fromProcess ?? sdkChain(options);
  let last: AwsCredentials | undefined;
  return async (request) => {
    try {
      const credentials = await chain(request?.forceRefresh ? { forceRefresh: true } : undefined);
      if (credentials !== last) {
        last = credentials;
        options.redactor?.remember(credentials.secretAccessKey, credentials.sessionToken);
      }
      return credentials;
    } catch (error) {
      // The process source's messages already say what to fix; the SDK's are explained.
      const message = fromProcess ? describe(error) : explainCredentialError(error, profile);
      throw new CredentialsError(message, { cause: error });
    }
  };
}

/**
 * Settings for the clients the chain makes itself (SSO, SSO OIDC, STS). Their
 * defaults need more than the documented permissions: the user agent reads
 * the OS release (`--allow-sys`), and the Node HTTPS stack reads the system
 * CA store and `NODE_USE_SYSTEM_CA`. Deno's fetch needs neither, and honours
 * `HTTPS_PROXY` and `NO_PROXY`.
 */
const SDK_CLIENT_CONFIG = {
  requestHandler: new FetchHttpHandler(),
  defaultUserAgentProvider: () => Promise.resolve([["aws-mcp-proxy"]] as [string][]),
};

/** The AWS SDK's Node provider chain for `options.profile`. */
function sdkChain(options: CredentialSourceOptions): CredentialSource {
  const { logger, profile } = options;
  let webIdentityAssumer:
    | ReturnType<typeof import("@aws-sdk/nested-clients/sts").getDefaultRoleAssumerWithWebIdentity>
    | undefined;
  const chainLogger = {
    debug: (...args: unknown[]) => logger.debug(`credentials: ${args.join(" ")}`),
    info: (...args: unknown[]) => logger.debug(`credentials: ${args.join(" ")}`),
    warn: (...args: unknown[]) => logger.warn(`credentials: ${args.join(" ")}`),
    error: (...args: unknown[]) => logger.error(`credentials: ${args.join(" ")}`),
  };
  return fromNodeProviderChain({
    ...(profile ? { profile } : {}),
    clientConfig: SDK_CLIENT_CONFIG,
    // A web-identity profile's STS client is built without clientConfig; this one has it.
    roleAssumerWithWebIdentity: async (params) => {
      const { getDefaultRoleAssumerWithWebIdentity } = await import("@aws-sdk/nested-clients/sts");
      webIdentityAssumer ??= getDefaultRoleAssumerWithWebIdentity({
        ...SDK_CLIENT_CONFIG,
        credentialProviderLogger: chainLogger,
      });
      return webIdentityAssumer(params);
    },
    // Read the shared config and credentials files afresh whenever the chain
    // resolves (at start, near expiry, on forceRefresh) rather than once per
    // process: a user who edits them or logs in again is picked up.
    ignoreCache: true,
    logger: chainLogger,
  });
}
