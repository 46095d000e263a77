/**
 * Links a short-lived abort controller to a long-lived signal, so that
 * aborting the long-lived one aborts it, without the long-lived signal
 * keeping it alive. `AbortSignal.any` would do this, but Deno 2.9 holds every
 * signal it creates from a source strongly for the source's life: a proxy
 * making one per request on the transport's signal would keep each
 * request's state forever.
 *
 * @module
 */

/** The controller of each linked signal, held only as long as the signal is alive. */
const controllers = new WeakMap<AbortSignal, AbortController>();
/** The linked signals of each source, held weakly, and when to drop the dead ones next. */
const followers = new WeakMap<AbortSignal, { refs: Set<WeakRef<AbortSignal>>; pruneAt: number }>();

const FIRST_PRUNE = 256;

/**
 * Aborts `target` with `source`'s reason when `source` aborts (at once if it
 * already has). `target` stays linked while its signal is alive, that is
 * while a fetch or a body stream still uses it.
 *
 * @example
 * ```ts
 * import { followAbort } from "./abort_link.ts";
 * const transport = new AbortController();
 * const attempt = new AbortController();
 * followAbort(transport.signal, attempt);
 * transport.abort();
 * attempt.signal.aborted; // true
 * ```
 */
export function followAbort(source: AbortSignal, target: AbortController): void {
  if (source.aborted) {
    target.abort(source.reason);
    return;
  }
  let linked = followers.get(source);
  if (!linked) {
    const entry = { refs: new Set<WeakRef<AbortSignal>>(), pruneAt: FIRST_PRUNE };
    linked = entry;
    followers.set(source, entry);
    source.addEventListener("abort", () => {
      for (const ref of entry.refs) {
        const signal = ref.deref();
        if (signal) controllers.get(signal)?.abort(source.reason);
      }
      entry.refs.clear();
    }, { once: true });
  }
  controllers.set(target.signal, target);
  linked.refs.add(new WeakRef(target.signal));
  if (linked.refs.size >= linked.pruneAt) {
    for (const ref of linked.refs) if (!ref.deref()) linked.refs.delete(ref);
    // Amortised: the next pass waits until the live ones have doubled.
    linked.pruneAt = Math.max(FIRST_PRUNE, linked.refs.size * 2);
  }
}
