/**
 * The requests in flight, by the id each has upstream: the client's and the
 * proxy's own. Each has one record ({@linkcode TrackedRequest}) holding
 * everything known of it: its method, its one deadline, its place, its trace
 * span, its rounds of bridged input, and what the server side knows (the
 * request as sent, whether its answer is due, its resends and its stream;
 * see `request_record.ts`). A request leaves the table once, however it
 * ends (answered, cancelled, timed out, or at shutdown), so it is answered
 * once and nothing of it stays behind.
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
import {
  freshRecord,
  type RequestRecord,
  type RequestRecords,
} from "../transport/http/request_record.ts";
import type { RequestSpan } from "./request_trace.ts";

/**
 * Requests that stay open as long as the client wants (revision 2026-07-28's
 * `subscriptions/listen`: its stream carries change notifications until it
 * is cancelled): no timeout, and shutdown does not wait for them.
 */
const OPEN_ENDED = new Set(["subscriptions/listen"]);

/** How many requests may wait for a place with the server; more are refused. */
export const MAX_WAITING = 4096;

/** The one record of a request in flight; see the module doc. */
export interface TrackedRequest extends RequestRecord {
  /** Its id upstream. */
  readonly id: RequestId;
  /** Its method. */
  readonly method: string;
  /** Its deadline's timer; none for an open-ended request. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** What its deadline does. */
  onTimeout: () => void;
  /** Whether it holds one of the `maxInFlight` places. */
  placed: boolean;
  /** Its trace span, when tracing is on. */
  span: RequestSpan | undefined;
  /** Rounds of input asked of the client for it, when bridged. */
  rounds: number;
  /** Takes the answer (or failure) of one of the proxy's own requests; none for a client's. */
  settle: ((reply: JSONRPCMessage | Error) => void) | undefined;
}

/** Options for {@linkcode RequestTable}. */
export interface RequestTableOptions {
  /** Milliseconds a request may wait for its answer, its wait for a place included. */
  timeoutMs: number;
  /** Requests with the server at once (open-ended ones aside); unbounded unless given. */
  maxInFlight?: number;
}

/** The requests in flight; see the module doc. */
export class RequestTable implements RequestRecords {
  #timeoutMs: number;
  #maxInFlight: number;
  #entries = new Map<RequestId, TrackedRequest>();
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

  /** Whether request `id` is waiting for a place, so nothing of it has reached the server. */
  isWaiting(id: RequestId): boolean {
    return this.#waiting.has(id);
  }

  #place(entry: TrackedRequest): void {
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

  /** The record of request `id`, while it is in flight. */
  get(id: RequestId): TrackedRequest | undefined {
    return this.#entries.get(id);
  }

  /** Every record in flight. */
  records(): Iterable<TrackedRequest> {
    return this.#entries.values();
  }

  /** Adds request `id` and returns its record; `onTimeout` runs if it is still here after the timeout. */
  track(id: RequestId, method: string, onTimeout: () => void): TrackedRequest {
    const entry: TrackedRequest = {
      ...freshRecord(),
      id,
      method,
      timer: this.#timer(method, onTimeout),
      onTimeout,
      placed: false,
      span: undefined,
      rounds: 0,
      settle: undefined,
    };
    this.#entries.set(id, entry);
    return entry;
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
   * stops its timer, ends its span and frees its place: the one way out of
   * the table. Its record, or `undefined` if it was not here.
   */
  take(id: RequestId, reply?: JSONRPCMessage): TrackedRequest | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    entry.span?.end(reply, entry.resends);
    this.#entries.delete(id);
    this.#waiting.delete(id);
    if (entry.placed) {
      this.#placed--;
      this.#startWaiting();
    }
    return entry;
  }
}
