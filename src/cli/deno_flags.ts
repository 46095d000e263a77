/**
 * Deno's own flags, told apart from the proxy's: a Deno flag after the URL
 * reaches the proxy, which names where it belongs instead of calling it
 * unknown. Pure.
 *
 * @module
 */

/** Deno's own flags that a user may put after the URL by mistake (besides --allow-* and --deny-*). */
const DENO_FLAGS = new Set([
  "cert",
  "config",
  "quiet",
  "reload",
  "no-prompt",
  "lock",
  "frozen",
  "import-map",
  "location",
  "seed",
  "env-file",
  "cached-only",
  "node-modules-dir",
  "no-check",
  "check",
  "no-remote",
  "no-npm",
  "no-config",
  "v8-flags",
  "inspect",
  "inspect-brk",
  "inspect-wait",
  "watch",
  "unsafely-ignore-certificate-errors",
]);

/**
 * Why `flag` (without `--`) is unknown to the proxy when it is one of Deno's,
 * else `undefined`.
 *
 * @example
 * ```ts
 * import { denoFlagMisplaced } from "./deno_flags.ts";
 * denoFlagMisplaced("allow-net=example.com")?.startsWith("--allow-net is a Deno flag"); // true
 * denoFlagMisplaced("profile"); // undefined
 * ```
 */
export function denoFlagMisplaced(flag: string): string | undefined {
  const name = flag.replace(/=.*$/, "");
  if (!/^(allow|deny)-/.test(name) && !DENO_FLAGS.has(name) && !name.startsWith("unstable")) {
    return undefined;
  }
  return `--${name} is a Deno flag: put it before the package name (jsr:@mcp-sigv4/aws-mcp-proxy or mod.ts), not after the URL, where the proxy's own flags go`;
}
