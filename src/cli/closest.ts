/**
 * The nearest of some names to a mistyped one, for "did you mean" hints on
 * flags and profile names. Pure.
 *
 * @module
 */

/** The edit distance between `a` and `b` (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The name in `names` nearest to `typed`, when it is near enough to be what
 * was meant (at most a third of its length away); `undefined` otherwise.
 *
 * @example
 * ```ts
 * import { closest } from "./closest.ts";
 * closest("alow-write", ["allow-write", "region"]); // "allow-write"
 * closest("zzz", ["allow-write", "region"]); // undefined
 * ```
 */
export function closest(typed: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const d = distance(typed.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return bestDistance <= Math.max(1, Math.floor(typed.length / 3)) ? best : undefined;
}
