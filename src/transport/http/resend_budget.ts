/**
 * One budget of resends per client request, shared by every layer that sends
 * a request again: the retrying fetch (throttling, 5xx, lost connections),
 * the signer (a re-sign after a skewed clock or renewed credentials) and the
 * renewing remote (a new session, a stream that ended before its answer).
 * Each layer asks before it sends again, so whatever mix of faults comes, one
 * client request causes at most `1 + --retries + 1` POSTs. The count lives
 * in the request's one record (`request_record.ts`), so it goes when the
 * request does.
 *
 * A fetch layer sees only the body it posts: the request is found by
 * `JSON.parse` of that body, and only when the layer is about to send again,
 * never on the way of a request that goes through once.
 *
 * @module
 */
import type { RequestId } from "../../mcp_sdk.ts";
import { postedRequestId } from "../../jsonrpc/posted_id.ts";
import type { RequestRecords } from "./request_record.ts";

/**
 * The resends each request in flight may still cause; see the module doc.
 *
 * @example
 * ```ts
 * import { ResendBudget } from "./resend_budget.ts";
 * import { freshRecord } from "./request_record.ts";
 * const record = freshRecord();
 * const records = { get: (id: unknown) => (id === 7 ? record : undefined), records: () => [record] };
 * const budget = new ResendBudget(records, 3); // --retries 2, plus one renewal or re-sign
 * const body = '{"jsonrpc":"2.0","id":7,"method":"tools/call"}';
 * [budget.spendFor(body), budget.spendFor(body), budget.spend(7), budget.spend(7)]; // [true, true, true, false]
 * ```
 */
export class ResendBudget {
  #records: RequestRecords;
  #resends: number;

  /** A budget of `resends` sends after the first, for each request in `records`. */
  constructor(records: RequestRecords, resends: number) {
    this.#records = records;
    this.#resends = resends;
  }

  /**
   * Takes one resend of request `id`; false when it has none left (and it
   * must not go again). A request with no record (the renewal's own
   * `initialize`) is not limited.
   */
  spend(id: RequestId): boolean {
    const record = this.#records.get(id);
    if (!record) return true;
    if (record.resends >= this.#resends) return false;
    record.resends++;
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
}
