/**
 * The stderr logger: the only place in the proxy that writes logs.
 *
 * stdout carries the MCP protocol, so every log line goes to stderr. Lines are
 * scrubbed by a {@linkcode Redactor} (signatures, credential ids, tokens,
 * authorization values, and the secrets in use by value) before they are
 * written, as a last line of defence: callers must still never pass secrets in.
 * Control characters are escaped, so every call writes exactly one line, and
 * a line is cut after 4,000 characters (once redacted, so no cut hides a
 * secret's ends from the redactor).
 *
 * @module
 */

import { Redactor } from "./redactor.ts";

/** A log level: `error` is the quietest, `debug` the most verbose. */
export type LogLevel = "error" | "warn" | "info" | "debug";

/** The log levels, from the quietest to the most verbose. */
export const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];

/** A levelled logger; each method writes one line when its level is enabled. */
export interface Logger {
  /** The most verbose level that is written. */
  readonly level: LogLevel;
  /** Something failed and the user must act. */
  error(message: string): void;
  /** Something is wrong but the proxy carries on. */
  warn(message: string): void;
  /** What the proxy is doing, at a pace a person can read. */
  info(message: string): void;
  /** Detail for diagnosing a problem. */
  debug(message: string): void;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** The most verbose level written; defaults to `info`. */
  level?: LogLevel;
  /** Where lines go; defaults to a synchronous write to stderr. */
  write?: (line: string) => void;
  /** Scrubs each line; a fresh {@linkcode Redactor} (patterns only) unless given. */
  redactor?: Redactor;
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  const bytes = encoder.encode(line);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}

/** Creates a {@linkcode Logger} that writes `LEVEL message` lines, scrubbed of secrets. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const redactor = options.redactor ?? new Redactor();
  const write = options.write ?? writeStderr;
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel, message: string): void => {
    if (LOG_LEVELS.indexOf(at) > threshold) return;
    let scrubbed: string;
    try {
      scrubbed = redactor.redact(message);
    } catch {
      // A log call must never throw, nor leak: a line that cannot be scrubbed is withheld.
      scrubbed = "(a line that could not be scrubbed of secrets was withheld)";
    }
    write(`aws-mcp-proxy ${at.toUpperCase()} ${capped(escapeControls(scrubbed))}\n`);
  };
  return {
    level,
    error: (message) => emit("error", message),
    warn: (message) => emit("warn", message),
    info: (message) => emit("info", message),
    debug: (message) => emit("debug", message),
  };
}

/** The longest log line written: text from outside (a server's error body) is cut there. */
const MAX_LINE_CHARS = 4000;

function capped(text: string): string {
  if (text.length <= MAX_LINE_CHARS) return text;
  return `${text.slice(0, MAX_LINE_CHARS)}… (${text.length - MAX_LINE_CHARS} more characters)`;
}

/** Control characters and line separators: what could split a log line or fake one. */
const CONTROLS = /[\p{Cc}\u2028\u2029]/gu;

/**
 * `text` with every control character and line separator written as a `\u`
 * escape, so text from outside (a tool name, a server's error) stays on its
 * one log line and cannot pass for a line of the proxy's own.
 *
 * @example
 * ```ts
 * import { escapeControls } from "./log.ts";
 * escapeControls("a\nb"); // "a\\u000ab"
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Describes an unknown thrown value in one line, for logs and client-facing errors. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** `error` as an `Error`, for callbacks that take one: a thrown non-`Error` becomes its text. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
