/**
 * Quotes a word for a POSIX shell, for the commands the proxy suggests
 * (`aws sso login --profile NAME`): a profile name is the user's text, and
 * one with a space, a quote or `$(…)` must be pasted as one safe word. Pure.
 *
 * @module
 */

/** Characters that never need quoting. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `word` as one POSIX shell word: as it is when plain, else in single quotes.
 *
 * @example
 * ```ts
 * import { shellQuote } from "./shell_quote.ts";
 * shellQuote("dev"); // "dev"
 * shellQuote("my team's"); // "'my team'\\''s'"
 * ```
 */
export function shellQuote(word: string): string {
  return PLAIN.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
