/**
 * The Deno permissions the proxy runs with, and a check at start that names
 * the flag to add instead of letting Deno fail (or prompt on the protocol's
 * stdin) later.
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
  if (needs.configFile && query({ name: "read", path: needs.configFile }) !== "granted") {
    const dir = needs.configFile.replace(/[/\\][^/\\]*$/, "");
    missing.push(`--allow-read=${dir} (the AWS config and credentials files)`);
  }
  return missing;
}

/** Queries Deno's permissions synchronously, never prompting. */
export function denoPermissionQuery(descriptor: Deno.PermissionDescriptor): Deno.PermissionState {
  return Deno.permissions.querySync(descriptor).state;
}
