/**
 * Reads what the shared AWS config files say about a profile, with the AWS
 * SDK's own loader (which honours `AWS_CONFIG_FILE` and
 * `AWS_SHARED_CREDENTIALS_FILE`).
 *
 * @module
 */
import { loadSharedConfigFiles } from "@smithy/core/config";

/**
 * The `region` configured for `profile` (`default` when absent) in the shared
 * config or credentials file, or `undefined` when neither sets one or the
 * files cannot be read.
 */
export async function readProfileRegion(profile: string | undefined): Promise<string | undefined> {
  const name = profile ?? "default";
  try {
    const { configFile, credentialsFile } = await loadSharedConfigFiles();
    return configFile[name]?.region ?? credentialsFile[name]?.region;
  } catch {
    return undefined;
  }
}
