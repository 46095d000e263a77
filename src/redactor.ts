/**
 * Scrubs secrets from text before it reaches a log line or the client: any
 * SigV4 `Signature=` value, credential id, `Authorization` or session-token
 * value by pattern, and the secret key and session token in use by value, so
 * a server that echoes a request back (a 403 quoting its headers) leaks
 * nothing. Patterns alone miss a token quoted without its header name; the
 * values alone miss a signature, which changes with every request.
 *
 * @module
 */

const PATTERNS: readonly [RegExp, string][] = [
  [/(Signature=)[^\s,"'&;]+/gi, "$1[redacted]"],
  [/(Credential=)[A-Z0-9]{12,}/g, "$1[redacted]"],
  [/(x-amz-security-token["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, "$1[redacted]"],
  [/(authorization["']?\s*[:=]\s*["']?)[^"'\n]+/gi, "$1[redacted]"],
  [/(aws_secret_access_key\s*[:=]\s*)\S+/gi, "$1[redacted]"],
  [/(aws_session_token\s*[:=]\s*)\S+/gi, "$1[redacted]"],
];

/** Values shorter than this are not remembered: they would match ordinary text. */
const MIN_SECRET_LENGTH = 8;

/** Removes secrets from text; {@linkcode Redactor.remember} adds values to remove. */
export class Redactor {
  #values: string[] = [];

  /**
   * Remembers secret values (a secret key, a session token) to remove
   * wherever they appear, as written and URL-encoded.
   */
  remember(...values: readonly (string | undefined)[]): void {
    for (const value of values) {
      if (!value || value.length < MIN_SECRET_LENGTH) continue;
      for (const form of new Set([value, encodeURIComponent(value)])) {
        if (!this.#values.includes(form)) this.#values.push(form);
      }
    }
    // Longest first, so a value that contains another is removed whole.
    this.#values.sort((a, b) => b.length - a.length);
  }

  /**
   * `text` without secrets.
   *
   * @example
   * ```ts
   * import { Redactor } from "./redactor.ts";
   * const redactor = new Redactor();
   * redactor.remember("IQoJEXAMPLETOKEN");
   * redactor.redact("token IQoJEXAMPLETOKEN, Signature=abc123"); // "token [redacted], Signature=[redacted]"
   * ```
   */
  redact(text: string): string {
    let out = text;
    for (const value of this.#values) out = out.replaceAll(value, "[redacted]");
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }
}
