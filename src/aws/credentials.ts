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
  /** The hosts the credential source calls (SSO, STS, ...), to name when none can be reached. */
  hosts?: readonly string[];
}

/** Network failures as the AWS SDK's handlers and Deno's fetch word them, and what each means. */
const NETWORK_FAILURES: readonly [RegExp, string][] = [
  [/ENOTFOUND|EAI_AGAIN|getaddrinfo|dns error|failed to lookup|Name or service not known/i, "DNS"],
  [/ECONNREFUSED|connection refused/i, "connection refused"],
  [/certificate|UnknownIssuer|CertNotValid|self[- ]signed|tls/i, "TLS"],
  [/ETIMEDOUT|timed? ?out|TimeoutError/i, "timeout"],
  [/ECONNRESET|connection reset|fetch failed|error sending request|network/i, "network"],
];

/**
 * What a credential source's network failure was, from `texts` (the error's
 * messages and causes, and the chain's own diagnostics): the kind, the host
 * when the text names one, and the text; `undefined` when none is a network
 * failure.
 */
export function networkFailure(
  texts: readonly string[],
): { kind: string; host?: string; text: string } | undefined {
  for (const text of texts) {
    const kind = NETWORK_FAILURES.find(([pattern]) => pattern.test(text))?.[1];
    if (kind === undefined) continue;
    const host =
      /(?:https?:\/\/|ENOTFOUND |ECONNREFUSED |ETIMEDOUT )\[?([A-Za-z0-9.:-]+?)\]?(?::\d+)?(?:[/)\s]|$)/
        .exec(text)?.[1];
    return host === undefined ? { kind, text } : { kind, host, text };
  }
  return undefined;
}

/** The messages of `error` and of its causes, outermost first. */
function messagesOf(error: unknown): string[] {
  const out: string[] = [];
  for (let at = error, depth = 0; at !== undefined && at !== null && depth < 5; depth++) {
    out.push(at instanceof Error ? at.message : String(at));
    at = at instanceof Error ? at.cause : undefined;
  }
  return out;
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
  /**
   * The chain's latest diagnostics that tell of a network failure, until a
   * resolution succeeds (concurrent callers share one resolution, so each
   * failure reads them, none takes them).
   */
  let network: { line: string; at: number }[] = [];
  const chain = fromProcess ?? sdkChain(options, (line) => {
    if (networkFailure([line])) network = [...network.slice(-4), { line, at: Date.now() }];
  });
  let last: AwsCredentials | undefined;
  return async (request) => {
    try {
      const credentials = await chain(request?.forceRefresh ? { forceRefresh: true } : undefined);
      network = [];
      if (credentials !== last) {
        last = credentials;
        options.redactor?.remember(credentials.secretAccessKey, credentials.sessionToken);
      }
      return credentials;
    } catch (error) {
      // A source that could not be reached says so, with the host and the cause; the process
      // source's messages already say what to fix; the SDK's others are explained.
      const recent = network.filter((n) => Date.now() - n.at < 60_000).map((n) => n.line);
      let unreachable = networkFailure([...messagesOf(error), ...recent]);
      // The SDK's clients keep only "fetch failed" of Deno's error: ask the hosts themselves why.
      if (unreachable?.kind === "network") {
        unreachable = (await whyUnreachable(options.hosts ?? [])) ?? unreachable;
      }
      const message = unreachable
        ? unreachableMessage(unreachable, profile, options.hosts ?? [])
        : fromProcess
        ? describe(error)
        : explainCredentialError(error, profile);
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

/**
 * Why the first of `hosts` that cannot be reached cannot be: one short
 * request to each (at most three, 3 s each), read as Deno's fetch words its
 * failure. Only after a resolution failed on the network.
 */
async function whyUnreachable(
  hosts: readonly string[],
): Promise<{ kind: string; host: string; text: string } | undefined> {
  for (const host of hosts.slice(0, 3)) {
    try {
      const response = await fetch(`https://${host}/`, {
        method: "HEAD",
        signal: AbortSignal.timeout(3000),
      });
      await response.body?.cancel();
    } catch (error) {
      const failure = networkFailure(messagesOf(error).reverse());
      if (failure) return { ...failure, host };
    }
  }
  return undefined;
}

/** One line for a credential source that could not be reached. */
function unreachableMessage(
  failure: { kind: string; host?: string; text: string },
  profile: string | undefined,
  hosts: readonly string[],
): string {
  const who = profile ? `profile "${profile}"` : "the default credential chain";
  const host = failure.host ?? (hosts.length > 0 ? hosts.join(" or ") : "the credential source");
  return `Cannot reach ${host} for the AWS credentials of ${who} (${failure.kind}): ${
    failure.text.slice(0, 300)
  }. Check the network, a proxy (HTTPS_PROXY), or an endpoint override (AWS_ENDPOINT_URL_*)`;
}

/** The AWS SDK's Node provider chain for `options.profile`; `observe` sees each diagnostic. */
function sdkChain(
  options: CredentialSourceOptions,
  observe: (line: string) => void,
): CredentialSource {
  const { logger, profile } = options;
  let webIdentityAssumer:
    | ReturnType<typeof import("@aws-sdk/nested-clients/sts").getDefaultRoleAssumerWithWebIdentity>
    | undefined;
  const chainLogger = {
    debug: (...args: unknown[]) => {
      observe(args.join(" "));
      logger.debug(`credentials: ${args.join(" ")}`);
    },
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
