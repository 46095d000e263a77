/**
 * The client's requests in flight, by the id each has upstream: the method,
 * and a timer that fires when the backend takes longer than the timeout. A
 * request leaves the table once, so it is answered once.
 *
 * @module
 */
import type { RequestId } from "../mcp_sdk.ts";
import { fromUpstream, isEscaped } from "../jsonrpc/request_ids.ts";

/** The requests whose answers the proxy reads (to learn the session, to filter the list). */
const READ_ANSWERS = new Set(["initialize", "server/discover", "tools/list"]);
/**
 * Requests that stay open as long as the client wants (revision 2026-07-28's
 * `subscriptions/listen`: its stream carries change notifications until it
 * is cancelled): no timeout, and shutdown does not wait for them.
 */
const OPEN_ENDED = new Set(["subscriptions/listen"]);

interface Entry {
  method: string;
  timer: ReturnType<typeof setTimeout> | undefined;
  onTimeout: () => void;
}

/** The client's requests in flight; see the module doc. */
export class RequestTable {
  #timeoutMs: number;
  #entries = new Map<RequestId, Entry>();

  /** A table whose requests time out after `timeoutMs`. */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
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
    this.#entries.set(id, { method, timer: this.#timer(method, onTimeout), onTimeout });
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

  /** Removes request `id` and stops its timer; its method, or `undefined` if it was not here. */
  take(id: RequestId): string | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.#entries.delete(id);
    return entry.method;
  }

  /**
   * Whether the answer to request `id` may reach the client as the backend's
   * own bytes: it is awaited, no policy reads it, and it went upstream under
   * the client's own id (held bytes carry the id they came under).
   */
  takesUnread(id: RequestId): boolean {
    if (isEscaped(fromUpstream(id))) return false;
    const method = this.#entries.get(id)?.method;
    return method !== undefined && !READ_ANSWERS.has(method);
  }
}
