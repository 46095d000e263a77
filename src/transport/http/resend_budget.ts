/**
 * One budget of resends per client request, shared by every layer that sends
 * a request again: the retrying fetch (throttling, 5xx, lost connections),
 * the signer (a re-sign after a skewed clock or renewed credentials) and the
 * renewing remote (a new session, a stream that ended before its answer).
 * Each layer asks before it sends again, so whatever mix of faults comes, one
 * client request causes at most `1 + --retries + 1` POSTs.
 *
 * A fetch layer sees only the body it posts: the request is found by
 * `JSON.parse` of that body, and only when the layer is about to send again,
 * never on the way of a request that goes through once.
 *
 * @module
 */
import type { RequestId } from "../../mcp_sdk.ts";
import { postedRequestId } from "../../jsonrpc/posted_id.ts";

/**
 * The resends left to each request that has used one; see the module doc.
 *
 * @example
 * ```ts
 * import { ResendBudget } from "./resend_budget.ts";
 * const budget = new ResendBudget(3); // --retries 2, plus one renewal or re-sign
 * const body = '{"jsonrpc":"2.0","id":7,"method":"tools/call"}';
 * [budget.spendFor(body), budget.spendFor(body), budget.spend(7), budget.spend(7)]; // [true, true, true, false]
 * ```
 */
export class ResendBudget {
  #resends: number;
  #left = new Map<RequestId, number>();

  #onSpend: (id: RequestId) => void;

  /** A budget of `resends` sends after the first, per request; `onSpend` hears of each taken. */
  constructor(resends: number, onSpend: (id: RequestId) => void = () => {}) {
    this.#resends = resends;
    this.#onSpend = onSpend;
  }

  /** Takes one resend of request `id`; false when it has none left (and it must not go again). */
  spend(id: RequestId): boolean {
    const left = this.#left.get(id) ?? this.#resends;
    if (left <= 0) return false;
    this.#left.set(id, left - 1);
    this.#onSpend(id);
    return true;
  }

  /**
   * Takes one resend of the request `body` posts; true for a body that posts
   * no request (a notification or a response), which no budget limits.
   */
  spendFor(body: unknown): boolean {
    const id = postedRequestId(body);
    return id === undefined || this.spend(id);
  }

  /** Request `id` is done (answered, failed or abandoned): its budget goes. */
  forget(id: RequestId): void {
    this.#left.delete(id);
  }
}
