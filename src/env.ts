/**
 * Reading environment variables without tripping Deno's permissions: a
 * variable the proxy may not read is treated as unset.
 *
 * @module
 */

/** The value of `name`, or `undefined` when it is unset, empty or not readable. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}
