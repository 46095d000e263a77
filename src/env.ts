/**
 * Reading environment variables without tripping Deno's permissions: a
 * variable the proxy may not read is treated as unset. The permission is
 * queried first, because on a terminal `Deno.env.get` would prompt (on the
 * protocol's stdin) instead of failing.
 *
 * @module
 */

/** The value of `name`, or `undefined` when it is unset, empty or not readable. */
export function readEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  return Deno.env.get(name) || undefined;
}
