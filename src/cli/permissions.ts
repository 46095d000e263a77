/**
 * The Deno permission flags the proxy runs with, and a check at start that names the permission to add instead of letting
 * Deno fail (or prompt on the protocol's stdin) later.
 *
 * @module
 */

/**
 * The environment variables the proxy and the AWS credential chain read: the
 * AWS ones, and the home directory as the SDK looks it up on every platform.
 */
export const ENV_PERMISSION = "AWS_*,HOME,USERPROFILE,HOMEPATH,HOMEDRIVE,_X_AMZN_TRACE_ID";

const ENV_PROBES = [
  "AWS_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_CONFIG_FILE",
  "HOME",
  "USERPROFILE",
  "HOMEPATH",
  "HOMEDRIVE",
  "_X_AMZN_TRACE_ID",
];

/** The `deno run` permission flags for an endpoint host and the AWS config directory. */
export function permissionFlags(host: string, awsDir = "$HOME/.aws"): string[] {
  return [`--allow-net=${host}`, `--allow-read=${awsDir}`, `--allow-env=${ENV_PERMISSION}`];
}

/**
 * What to grant for reading `path`, a shared AWS file: its `.aws` folder
 * (which also holds the SSO cache) when it is there, else the file alone,
 * never a folder such as `/etc` that happens to hold it.
 */
export function readGrant(path: string): string {
  const folder = path.replace(/[/\\][^/\\]*$/, "");
  return /[/\\]\.aws$/.test(folder) || folder === "$HOME/.aws" ? folder : path;
}

/**
 * The `--allow-KIND=` flag that grants `values`. Deno splits permission lists
 * on commas, so a value holding one cannot be named at all (its pieces would
 * grant other paths, a parent folder, or `/`): then a `RangeError` says so,
 * and no flag is made.
 */
export function allowFlag(kind: "net" | "read" | "run", values: readonly string[]): string {
  const split = values.find((value) => value.includes(","));
  if (split !== undefined) {
    throw new RangeError(
      `Deno cannot grant --allow-${kind} for ${
        JSON.stringify(split)
      }: it splits permission lists on commas, so a path holding one would grant other paths instead. Move or link it to a path without a comma`,
    );
  }
  return `--allow-${kind}=${values.join(",")}`;
}

/** {@linkcode allowFlag}, or its refusal as one line of advice. */
function allowAdvice(kind: "net" | "read" | "run", values: readonly string[]): string {
  try {
    return allowFlag(kind, values);
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * A warning when Deno was given write access although the proxy was not
 * given `--allow-write`: most likely `--allow-write` (or `-A`) went before
 * the package name, where it is Deno's flag. The proxy never writes a file,
 * and its read-only mode stays on.
 */
export function misplacedAllowWrite(query: PermissionQuery): string | undefined {
  if (query({ name: "write" }) !== "granted") return undefined;
  return "Deno was given write access (--allow-write or -A before the package name), which the proxy never uses, and read-only mode is still on. To expose every tool, put --allow-write after the URL; otherwise drop it before the package name";
}

/** Answers whether a permission is granted, without prompting. */
export type PermissionQuery = (descriptor: Deno.PermissionDescriptor) => Deno.PermissionState;

/** What the configuration needs. */
export interface PermissionNeeds {
  /** The endpoint host, with its port when it has one. */
  host: string;
  /** The shared AWS config file that must be readable, or `undefined` when no file is needed. */
  configFile?: string | undefined;
}

/**
 * The flags to add for what is missing, each with the reason; empty when
 * everything is granted.
 */
export function missingPermissions(needs: PermissionNeeds, query: PermissionQuery): string[] {
  const missing: string[] = [];
  if (query({ name: "net", host: needs.host }) !== "granted") {
    missing.push(`--allow-net=${needs.host} (to reach the endpoint)`);
  }
  if (ENV_PROBES.some((variable) => query({ name: "env", variable }) !== "granted")) {
    missing.push(`--allow-env=${ENV_PERMISSION} (the AWS variables and the home directory)`);
  }
  const unknownHome = needs.configFile?.startsWith("$HOME");
  const readable = unknownHome
    ? query({ name: "read" }) === "granted"
    : !needs.configFile || query({ name: "read", path: needs.configFile }) === "granted";
  if (needs.configFile && !readable) {
    missing.push(
      `${
        allowAdvice("read", [readGrant(needs.configFile)])
      } (the AWS config and credentials files)`,
    );
  }
  return missing;
}

/** Queries Deno's permissions synchronously, never prompting. */
export function denoPermissionQuery(descriptor: Deno.PermissionDescriptor): Deno.PermissionState {
  return Deno.permissions.querySync(descriptor).state;
}

/**
 * The flags to add so the credential chain can reach what `needs` names
 * (see `credential_needs.ts`); empty when everything is granted.
 */
export function missingForCredentials(
  needs: { source: string; hosts: string[]; files: string[]; programs: string[] },
  query: PermissionQuery,
): string[] {
  const missing: string[] = [];
  const hosts = needs.hosts.filter((host) => query({ name: "net", host }) !== "granted");
  if (hosts.length > 0) missing.push(`--allow-net=${hosts.join(",")}`);
  const files = needs.files.filter((path) => query({ name: "read", path }) !== "granted");
  if (files.length > 0) missing.push(allowAdvice("read", files));
  const programs = needs.programs.filter((command) =>
    query({ name: "run", command }) !== "granted"
  );
  if (programs.length > 0) missing.push(allowAdvice("run", programs));
  return missing;
}
