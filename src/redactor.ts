/**
 * Scrubs secrets from text before it reaches a log line or the client: any
 * SigV4 `Signature=` value or bare 64-digit hex signature, credential id,
 * `Authorization` or session-token value by pattern, and the secrets in use
 * (the secret key, the session token) by value, so a server that echoes a
 * request back (a 403 quoting its headers) leaks nothing. Patterns alone miss
 * a token quoted without its header name; the values alone miss a
 * signature, which changes with every request.
 *
 * A remembered value is found in the shapes a server can echo it in: as
 * written, in any letter case, URL-encoded, with any of its characters
 * `\u`-escaped as JSON allows, Base64-encoded (standard or URL-safe, at any
 * offset in a longer encoded text), and in pieces: any run of 16 of its
 * characters is removed, so a token split across two chunks (two log lines)
 * leaves nothing usable in either.
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
  // A SigV4 signature (or a signing key's digest) without its name: 64 hex digits.
  [/(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/gi, "[redacted]"],
];

/** Values shorter than this are not remembered: they would match ordinary text. */
const MIN_SECRET_LENGTH = 8;
/** Forms longer than this are matched as written only: a pattern per character would be too large. */
const MAX_SHAPED_LENGTH = 2048;
/** A run of this many characters of a remembered value is removed wherever it stands. */
const PIECE = 16;
const REDACTED = "[redacted]";

/** `value`'s Base64 text as it stands inside a longer encoded text, at each of the 3 offsets. */
function base64Forms(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    let binary = "\0".repeat(offset);
    for (const byte of bytes) binary += String.fromCharCode(byte);
    const encoded = btoa(binary);
    // Only the groups made of the value's bytes alone: the first holds the padding bytes when
    // offset > 0, and the last may hold what follows the value.
    const core = encoded.slice(offset > 0 ? 4 : 0, Math.floor(binary.length / 3) * 4);
    if (core.length >= MIN_SECRET_LENGTH) {
      forms.push(core, core.replaceAll("+", "-").replaceAll("/", "_"));
    }
  }
  return forms;
}

/**
 * A pattern for `form` with each character as written (in either case), as
 * a JSON `\u` escape, as a URL escape, and `/` also as `\/`.
 */
function shapesOf(form: string): RegExp {
  let source = "";
  for (const char of form) {
    const code = char.codePointAt(0)!;
    const shapes = [char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")];
    if (code <= 0xffff) shapes.push(`\\\\u${code.toString(16).padStart(4, "0")}`);
    if (code < 0x80) shapes.push(`%${code.toString(16).padStart(2, "0")}`);
    if (char === "/") shapes.push("\\\\\\/");
    source += `(?:${shapes.join("|")})`;
  }
  return new RegExp(source, "giu");
}

/** What is removed for one remembered value: its shapes, and its runs of {@linkcode PIECE}. */
interface Remembered {
  shapes: RegExp[];
  pieces: string[];
}

/**
 * The patterns for one value: each of its forms with every character in any
 * of its shapes. A form too long for one pattern (V8 refuses very large
 * expressions) is matched as written, in any case.
 */
function patternsOf(value: string): RegExp[] {
  return [value, ...base64Forms(value)].map((form) => {
    if (form.length <= MAX_SHAPED_LENGTH) return shapesOf(form);
    return new RegExp(form.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"), "gi");
  });
}

/**
 * Removes secrets from text; {@linkcode Redactor.remember} adds values to
 * remove, {@linkcode Redactor.keep} holds one value per slot (a cookie the
 * server refreshes on every answer replaces its last value).
 */
export class Redactor {
  #remembered = new Map<string, Remembered>();
  /** Values remembered for good (credentials). */
  #permanent = new Set<string>();
  /** The value held in each slot. */
  #slots = new Map<string, string>();
  /** Every pattern of every value, longest first. */
  #shapes: RegExp[] = [];
  /** Every run of {@linkcode PIECE} characters of a remembered form, lower-cased, counted. */
  #pieces = new Map<string, number>();

  /** Remembers secret values (a secret key, a session token) to remove wherever they appear. */
  remember(...values: readonly (string | undefined)[]): void {
    for (const value of values) {
      if (value && this.#add(value)) this.#permanent.add(value);
    }
    this.#sortShapes();
  }

  /**
   * Holds `value` in `slot`, in place of the value held there before (which
   * is forgotten unless something else holds it), so that a server that
   * sends a new value on every answer grows nothing.
   */
  keep(slot: string, value: string): void {
    const before = this.#slots.get(slot);
    if (before === value || !this.#add(value)) return;
    this.#slots.set(slot, value);
    if (before !== undefined && !this.#permanent.has(before)) {
      const held = [...this.#slots.values()].includes(before);
      if (!held) this.#remove(before);
    }
    this.#sortShapes();
  }

  /** Adds `value`; false when it is too short to remember. */
  #add(value: string): boolean {
    if (value.length < MIN_SECRET_LENGTH) return false;
    if (this.#remembered.has(value)) return true;
    const pieces: string[] = [];
    for (const form of [value, ...base64Forms(value)]) {
      const lower = form.toLowerCase();
      for (let at = 0; at + PIECE <= lower.length; at++) pieces.push(lower.slice(at, at + PIECE));
    }
    for (const piece of pieces) this.#pieces.set(piece, (this.#pieces.get(piece) ?? 0) + 1);
    this.#remembered.set(value, { shapes: patternsOf(value), pieces });
    return true;
  }

  #remove(value: string): void {
    const entry = this.#remembered.get(value);
    if (!entry) return;
    this.#remembered.delete(value);
    for (const piece of entry.pieces) {
      const count = (this.#pieces.get(piece) ?? 1) - 1;
      if (count <= 0) this.#pieces.delete(piece);
      else this.#pieces.set(piece, count);
    }
  }

  #sortShapes(): void {
    // Longest first, so a value that contains another is removed whole.
    this.#shapes = [...this.#remembered.values()].flatMap((entry) => entry.shapes)
      .sort((a, b) => b.source.length - a.source.length);
  }

  /**
   * `text` without secrets.
   *
   * @example
   * ```ts
   * import { Redactor } from "./redactor.ts";
   * const redactor = new Redactor();
   * redactor.remember("IQoJEXAMPLETOKEN");
   * redactor.redact("token iqojexampletoken, Signature=abc123"); // "token [redacted], Signature=[redacted]"
   * ```
   */
  redact(text: string): string {
    let out = text;
    for (const shape of this.#shapes) out = out.replace(shape, REDACTED);
    out = this.#withoutPieces(out);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** `text` without any run of {@linkcode PIECE} characters of a remembered value. */
  #withoutPieces(text: string): string {
    if (this.#pieces.size === 0 || text.length < PIECE) return text;
    const lower = text.toLowerCase();
    // Lower-casing that changes the length (a few non-ASCII letters) would misplace the runs.
    if (lower.length !== text.length) return text;
    let out = "";
    let copied = 0;
    let coveredTo = -1;
    for (let at = 0; at + PIECE <= lower.length; at++) {
      if (!this.#pieces.has(lower.slice(at, at + PIECE))) continue;
      if (at > coveredTo) {
        out += text.slice(copied, at) + REDACTED;
      }
      coveredTo = at + PIECE;
      copied = coveredTo;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }
}
