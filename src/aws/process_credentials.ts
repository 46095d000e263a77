/**
 * Credentials from a profile's `credential_process`, run the way the AWS CLI
 * runs it: the program itself with its arguments, no shell. The AWS SDK for
 * JavaScript runs it through `/bin/sh`, so under Deno it would need
 * `--allow-run=/bin/sh`, which allows running anything; this needs only
 * `--allow-run=PROGRAM`. Used for the profile in use; a process further down
 * a `source_profile` chain is left to the SDK.
 *
 * @module
 */
import { commandWords } from "./credential_needs.ts";

/** The credentials a process prints, as the signer takes them. */
export interface ProcessCredentials {
  /** The access key id. */
  readonly accessKeyId: string;
  /** The secret access key. */
  readonly secretAccessKey: string;
  /** The session token of temporary credentials. */
  readonly sessionToken?: string;
  /** When temporary credentials expire. */
  readonly expiration?: Date;
}

/** Credentials are resolved again this long before they expire, as the AWS SDKs do. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/** What a `credential_process` prints (format version 1). */
interface ProcessOutput {
  Version?: unknown;
  AccessKeyId?: unknown;
  SecretAccessKey?: unknown;
  SessionToken?: unknown;
  Expiration?: unknown;
}

/** Reads a `credential_process` answer; throws a `TypeError` saying what is wrong. */
export function parseProcessOutput(text: string): ProcessCredentials {
  let output: ProcessOutput;
  try {
    output = JSON.parse(text);
  } catch {
    throw new TypeError("its output is not JSON");
  }
  if (output.Version !== 1) throw new TypeError('its output has no "Version": 1');
  if (typeof output.AccessKeyId !== "string" || typeof output.SecretAccessKey !== "string") {
    throw new TypeError("its output lacks AccessKeyId or SecretAccessKey");
  }
  const credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
    expiration?: Date;
  } = { accessKeyId: output.AccessKeyId, secretAccessKey: output.SecretAccessKey };
  if (typeof output.SessionToken === "string") credentials.sessionToken = output.SessionToken;
  if (typeof output.Expiration === "string") {
    const expiration = new Date(output.Expiration);
    if (Number.isNaN(expiration.getTime())) throw new TypeError("its Expiration is not a date");
    credentials.expiration = expiration;
  }
  return credentials;
}

/**
 * A credential source that runs `command` (a `credential_process` line of
 * `profile`) when it has nothing fresh, and on `forceRefresh`; its errors
 * say what the process did wrong, naming the profile.
 */
export function processCredentialSource(
  command: string,
  profile: string,
  now: () => number = Date.now,
): (request?: { forceRefresh?: boolean }) => Promise<ProcessCredentials> {
  let cached: ProcessCredentials | undefined;
  let running: Promise<ProcessCredentials> | undefined;
  const run = async (): Promise<ProcessCredentials> => {
    const [program, ...args] = commandWords(command);
    const fail = (why: string) =>
      new Error(`The credential_process of profile "${profile}" (${program}) ${why}`);
    if (!program) throw fail("is empty");
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
    } catch (error) {
      throw fail(`cannot run: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!output.success) {
      const said = new TextDecoder().decode(output.stderr).trim().split("\n")[0] ?? "";
      throw fail(`exited with code ${output.code}${said ? `: ${said}` : ""}`);
    }
    try {
      return parseProcessOutput(new TextDecoder().decode(output.stdout));
    } catch (error) {
      throw fail(`printed no credentials: ${(error as Error).message}`);
    }
  };
  return (request) => {
    const fresh = cached && !request?.forceRefresh &&
      (!cached.expiration || cached.expiration.getTime() - now() > REFRESH_BEFORE_MS);
    if (fresh) return Promise.resolve(cached!);
    running ??= run().then((credentials) => (cached = credentials)).finally(() => {
      running = undefined;
    });
    return running;
  };
}
