/**
 * The command-line flag parser, kept behind one small module so that it can be
 * swapped for `jsr:@std/cli` where JSR is reachable.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** How one flag is read: a string (optionally repeatable) or a boolean switch. */
export interface FlagSpec {
  /** `string` flags take a value; `boolean` flags are switches. */
  type: "string" | "boolean";
  /** A one-letter alias, such as `h` for `--help`. */
  short?: string;
  /** Whether the flag may be given more than once. */
  multiple?: boolean;
}

/** The flags and positional arguments found in an argument vector. */
export interface ParsedFlags {
  /** Each flag by its long name: a string, a list of strings, or `true`. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Arguments that are not flags, in order. */
  positionals: string[];
}

/**
 * Parses `argv` strictly against `specs`; throws a `TypeError` naming the
 * offending flag for an unknown flag or a missing value.
 */
export function parseFlags(argv: readonly string[], specs: Record<string, FlagSpec>): ParsedFlags {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: specs,
    strict: true,
    allowPositionals: true,
  });
  return { values, positionals };
}
