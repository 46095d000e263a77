/**
 * What the AWS credential chain will reach for one profile, read from the
 * shared config the way the AWS SDK for JavaScript reads it: the hosts it
 * calls (the SSO portal and OIDC service of the `sso_region`, STS of the
 * profile's region, the container and instance metadata services, each
 * honouring the SDK's endpoint overrides), the files it reads besides
 * `~/.aws`, and the programs it runs. The CLI turns this into the exact
 * Deno permission flags before any of it is touched. Pure: the files and
 * the environment are passed in.
 *
 * @module
 */

/** The shared config and credentials files, parsed as `loadSharedConfigFiles` returns them. */
export interface SharedFiles {
  /** Sections of the config file: profiles by name, `sso-session.NAME`, `services.NAME`. */
  configFile: Record<string, Record<string, string | undefined>>;
  /** Profiles of the credentials file. */
  credentialsFile: Record<string, Record<string, string | undefined>>;
}

/** What the chain needs beyond the base permissions. */
export interface CredentialNeeds {
  /** Where the credentials come from, in a few words for the log. */
  source: string;
  /** Hosts it calls, with their port when not the scheme's default. */
  hosts: string[];
  /** Files it reads outside the shared config directory. */
  files: string[];
  /** Programs it runs: a `credential_process`, or the shell the SDK runs one through. */
  programs: string[];
  /** The `credential_process` of the profile in use, which the proxy runs itself. */
  process?: string;
}

/** The environment variables {@linkcode credentialNeeds} reads. */
export const NEEDS_ENV = [
  "AWS_ACCESS_KEY_ID",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_STS",
  "AWS_ENDPOINT_URL_SSO",
  "AWS_ENDPOINT_URL_SSO_OIDC",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
] as const;

/** The values of {@linkcode NEEDS_ENV}, unset ones absent. */
export type NeedsEnv = Partial<Record<typeof NEEDS_ENV[number], string>>;

/** The shell the SDK runs a `credential_process` through (`child_process.exec`). */
export const SDK_SHELL = "/bin/sh";

const CONTAINER_HOST = "169.254.170.2";
const INSTANCE_HOSTS = { IPv4: "169.254.169.254", IPv6: "[fd00:ec2::254]" } as const;

/** `host[:port]` of a URL as Deno's net permission names it; `undefined` for no URL. */
function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function amazonHost(prefix: string, region: string): string {
  return `${prefix}.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

/**
 * Splits a `credential_process` command line into words, as the AWS CLI
 * does (quotes group, a backslash escapes). Pure.
 *
 * @example
 * ```ts
 * import { commandWords } from "./credential_needs.ts";
 * commandWords('"/opt/my tool/creds" --profile dev'); // ["/opt/my tool/creds", "--profile", "dev"]
 * ```
 */
export function commandWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) word = `${word}${line[++i]}`;
      else word = `${word}${c}`;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Reads what the chain will need for `profile` (the default chain when `undefined`). */
export function credentialNeeds(
  profile: string | undefined,
  files: SharedFiles,
  env: NeedsEnv,
): CredentialNeeds {
  const needs: CredentialNeeds = { source: "", hosts: [], files: [], programs: [] };
  const add = (list: string[], value: string | undefined) => {
    if (value && !list.includes(value)) list.push(value);
  };
  const section = (name: string) => ({
    ...files.credentialsFile[name],
    ...files.configFile[name],
  });
  const endpoint = (service: "STS" | "SSO" | "SSO_OIDC", data: Record<string, unknown>) => {
    const own = hostOf(env[`AWS_ENDPOINT_URL_${service}`]) ?? hostOf(env.AWS_ENDPOINT_URL);
    if (own || env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === "true") return own;
    const services = typeof data.services === "string"
      ? files.configFile[`services.${data.services}`]
      : undefined;
    return hostOf(services?.[`${service.toLowerCase()}.endpoint_url`]) ??
      hostOf(data.endpoint_url as string | undefined);
  };
  const stsHost = (data: Record<string, unknown>) =>
    endpoint("STS", data) ??
      amazonHost(
        "sts",
        (data.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ??
          "us-east-1",
      );
  const container = () => {
    if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) add(needs.hosts, CONTAINER_HOST);
    add(needs.hosts, hostOf(env.AWS_CONTAINER_CREDENTIALS_FULL_URI));
    add(needs.files, env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE);
  };
  const instance = () => {
    if (env.AWS_EC2_METADATA_DISABLED === "true") return;
    const mode = env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE === "IPv6" ? "IPv6" : "IPv4";
    add(needs.hosts, hostOf(env.AWS_EC2_METADATA_SERVICE_ENDPOINT) ?? INSTANCE_HOSTS[mode]);
  };

  /** Follows one profile; returns a description of its source. */
  const follow = (name: string, depth: number): string => {
    const data = section(name);
    if (depth > 8) return "a source_profile loop";
    if (data.role_arn) {
      add(needs.hosts, stsHost(data));
      if (data.web_identity_token_file) {
        add(needs.files, data.web_identity_token_file);
        return `web identity (profile ${name})`;
      }
      if (data.source_profile) {
        const source = data.source_profile === name && data.aws_access_key_id
          ? "its own keys"
          : follow(data.source_profile, depth + 1);
        return `assume-role ${data.role_arn} from ${source}`;
      }
      if (data.credential_source === "EcsContainer") container();
      if (data.credential_source === "Ec2InstanceMetadata") instance();
      return `assume-role ${data.role_arn} from ${data.credential_source ?? "nothing"}`;
    }
    if (data.sso_session || data.sso_start_url) {
      const session = data.sso_session
        ? files.configFile[`sso-session.${data.sso_session}`] ?? {}
        : data;
      const region = session.sso_region ?? data.sso_region;
      if (region) {
        add(needs.hosts, endpoint("SSO", data) ?? `portal.sso.${region}.amazonaws.com`);
        // Only a token refresh calls OIDC; a session from `aws sso login` has one to refresh.
        add(needs.hosts, endpoint("SSO_OIDC", data) ?? amazonHost("oidc", region));
      }
      return `SSO (profile ${name})`;
    }
    if (data.credential_process) {
      // The SDK runs it through a shell, unless it is the profile in use (the proxy runs that
      // one itself, without a shell; see process_credentials.ts).
      const program = commandWords(data.credential_process)[0];
      add(needs.programs, depth === 0 ? program : SDK_SHELL);
      if (depth === 0) needs.process = data.credential_process;
      return `credential_process (profile ${name})`;
    }
    if (data.aws_access_key_id) return `keys of profile ${name}`;
    return `nothing in profile ${name}`;
  };

  if (!profile && env.AWS_ACCESS_KEY_ID) {
    needs.source = "environment keys";
    return needs;
  }
  const name = profile ?? "default";
  if (!profile && env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) {
    add(needs.files, env.AWS_WEB_IDENTITY_TOKEN_FILE);
    add(needs.hosts, stsHost(section(name)));
    needs.source = "web identity (environment)";
    return needs;
  }
  const known = name in files.configFile || name in files.credentialsFile;
  needs.source = known ? follow(name, 0) : `no profile "${name}"`;
  if (!profile && (!known || needs.source.startsWith("nothing"))) {
    // The default chain goes on to the container service when it is configured, else to the
    // instance metadata service.
    if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
      container();
      needs.source = "container credentials";
    } else {
      instance();
      needs.source = "instance metadata";
    }
  }
  return needs;
}
