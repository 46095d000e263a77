/**
 * Reads the shared AWS config files with the AWS SDK's own loader (which
 * honours `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`), and what
 * they say about a profile.
 *
 * @module
 */
import { loadSharedConfigFiles } from "@smithy/core/config";
import type { SharedFiles } from "./credential_needs.ts";
import { readEnv } from "../env.ts";

/**
 * The shared config and credentials files, parsed afresh; empty when they
 * cannot be read (a missing file is no error: the chain may not need one).
 */
export async function readSharedFiles(): Promise<SharedFiles> {
  try {
    return await loadSharedConfigFiles({ ignoreCache: true });
  } catch {
    return { configFile: {}, credentialsFile: {} };
  }
}

/** The `region` the shared files set for `profile` (`default` when absent), if any. */
export function profileRegion(files: SharedFiles, profile: string | undefined): string | undefined {
  const name = profile ?? "default";
  return files.configFile[name]?.region ?? files.credentialsFile[name]?.region;
}

/**
 * Where a region may come from besides the flag and the host, as
 * `resolveScope` takes them: the profile's `region` in `files` (read when
 * needed, when not given), then `AWS_REGION`, then `AWS_DEFAULT_REGION`.
 */
export function regionSources(
  profile: string | undefined,
  files?: SharedFiles,
): { profileRegion: () => Promise<string | undefined>; envRegion: string | undefined } {
  return {
    profileRegion: async () => profileRegion(files ?? await readSharedFiles(), profile),
    envRegion: readEnv("AWS_REGION") ?? readEnv("AWS_DEFAULT_REGION"),
  };
}
