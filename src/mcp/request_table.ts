/**
 * The client's requests in flight, by the id each has upstream: the method,
 * and a timer that fires when the backend takes longer than the timeout. A
 * request leaves the table once, so it is answered once.
 *
 * The table also bounds the work in flight: at most `maxInFlight` requests
 * are with the server at once ({@linkcode RequestTable.admit}); the rest wait
 * their turn, in order, up to {@linkcode MAX_WAITING}, and past that are
 * refused. A request frees its place when it leaves the table, however it
 * leaves (answered, cancelled, timed out, or at shutdown), so a burst of any
 * size costs bounded memory and connections.
 *
 * @module
 */
import type { JSONRPCMessage, RequestId } from "../mcp_sdk.ts";
import type { RequestSpan } from "./request_trace.ts";

/**
 * Requests that stay open as long as the client wants (revision 2026-07-28's
 * `subscriptions/listen`: its stream carries change notifications until it
 * is cancelled): no timeout, and shutdown does not wait for them.
 */
const OPEN_ENDED = new Set(["subscriptions/listen"]);

/** How many requests may wait for a place with the server; more are refused. */
export const MAX_WAITING = 4096;

interface Entry {
  method: string;
  timer: ReturnType<typeof setTimeout> | undefined;
  onTimeout: () => void;
  /** Whether it holds one of the `maxInFlight` places. */
  placed: boolean;
  /** Its trace span, when tracing is on. */
  span?: RequestSpan;
}

/** Options for {@linkcode RequestTable}. */
export interface RequestTableOptions {
  /** Milliseconds a request may wait for its answer, its wait for a place included. */
  timeoutMs: number;
  /** Requests with the server at once (open-ended ones aside); unbounded unless given. */
  maxInFlight?: number;
}

/** The client's requests in flight; see the module doc. */
export class RequestTable {
  #timeoutMs: number;
  #maxInFlight: number;
  #entries = new Map<RequestId, Entry>();
  #placed = 0;
  /** Admitted requests waiting for a place, in order, with what starts each. */
  #waiting = new Map<RequestId, () => void>();

  /** A table whose requests time out after `options.timeoutMs`. */
  constructor(options: RequestTableOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#maxInFlight = options.maxInFlight ?? Infinity;
  }

  /** The most requests with the server at once. */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** How many requests wait for a place. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /**
   * Runs `start` for tracked request `id` once it has a place with the
   * server: now, or when one frees up. `false` when the waiting line is full
   * and `start` will never run; the caller answers the request.
   */
  admit(id: RequestId, start: () => void): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return true;
    if (OPEN_ENDED.has(entry.method)) {
      start();
      return true;
    }
    if (this.#placed < this.#maxInFlight && this.#waiting.size === 0) {
      this.#place(entry);
      start();
      return true;
    }
    if (this.#waiting.size >= MAX_WAITING) return false;
    this.#waiting.set(id, start);
    return true;
  }

  /** Attaches request `id`'s trace span, ended when the request leaves the table. */
  traced(id: RequestId, span: RequestSpan): void {
    const entry = this.#entries.get(id);
    if (entry) entry.span = span;
  }

  /** Request `id` was sent once more (a retry, a re-sign, a resend): its span counts it. */
  resent(id: RequestId): void {
    this.#entries.get(id)?.span?.resent();
  }

  /** Whether request `id` is waiting for a place, so nothing of it has reached the server. */
  isWaiting(id: RequestId): boolean {
    return this.#waiting.has(id);
  }

  #place(entry: Entry): void {
    entry.placed = true;
    this.#placed++;
  }

  /** Starts waiting requests while places are free. */
  #startWaiting(): void {
    while (this.#placed < this.#maxInFlight) {
      const next = this.#waiting.entries().next();
      if (next.done) return;
      const [id, start] = next.value;
      this.#waiting.delete(id);
      this.#place(this.#entries.get(id)!);
      start();
    }
  }

  /** Milliseconds a request may wait for its answer. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** How many requests are in flight. */
  get size(): number {
    return this.#entries.size;
  }

  /** How many requests in flight will be answered in time: all but the open-ended ones. */
  get awaited(): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (!OPEN_ENDED.has(entry.method)) count++;
    return count;
  }

  /** The ids of the requests in flight. */
  ids(): RequestId[] {
    return [...this.#entries.keys()];
  }

  /** The method of request `id`, while it is in flight. */
  methodOf(id: RequestId): string | undefined {
    return this.#entries.get(id)?.method;
  }

  /** Adds request `id`; `onTimeout` runs if it is still here after the timeout. */
  track(id: RequestId, method: string, onTimeout: () => void): void {
    this.#entries.set(id, {
      method,
      timer: this.#timer(method, onTimeout),
      onTimeout,
      placed: false,
    });
  }

  /** Gives request `id` the whole timeout again, from now (a new leg of the same request). */
  restart(id: RequestId): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = this.#timer(entry.method, entry.onTimeout);
  }

  #timer(method: string, onTimeout: () => void): ReturnType<typeof setTimeout> | undefined {
    return OPEN_ENDED.has(method) ? undefined : setTimeout(onTimeout, this.#timeoutMs);
  }

  /**
   * Removes request `id`, answered with `reply` (none when it was cancelled),
   * stops its timer and ends its span; its method, or `undefined` if it was
   * not here.
   */
  take(id: RequestId, reply?: JSONRPCMessage): string | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    entry.span?.end(reply);
    this.#entries.delete(id);
    this.#waiting.delete(id);
    if (entry.placed) {
      this.#placed--;
      this.#startWaiting();
    }
    return entry.method;
  }
}
