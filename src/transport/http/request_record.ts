/**
 * What the server side knows of one request in flight: the fields of the
 * relay's one record per request (its request table's entry) that the
 * layers below the relay read and write. The relay creates the record when
 * the request arrives and removes it once, when the request is answered,
 * cancelled, timed out or the proxy shuts down; the remote and the resend
 * budget keep no table of their own, so nothing here needs cleaning up.
 *
 * @module
 */
import type { JSONRPCRequest, RequestId } from "../../mcp_sdk.ts";

/** The server side's part of the record of one request in flight. */
export interface RequestRecord {
  /** The request as last sent upstream (enveloped, with `_meta`, or a bridged retry). */
  request: JSONRPCRequest | undefined;
  /** Whether its last send returned, so its answer is to come on a stream. */
  sent: boolean;
  /** Whether an answer to its last send came. */
  answered: boolean;
  /** Whether it was sent again after its stream ended without an answer (at most once). */
  resentAfterEnd: boolean;
  /** Sends after the first that it caused, across every layer (see `resend_budget.ts`). */
  resends: number;
  /** Closes its response stream (and, in a stateless exchange, so cancels it); set when sent. */
  stream: AbortController | undefined;
}

/** A fresh record's server-side fields. */
export function freshRecord(): RequestRecord {
  return {
    request: undefined,
    sent: false,
    answered: false,
    resentAfterEnd: false,
    resends: 0,
    stream: undefined,
  };
}

/** Whether `record`'s answer is due on a stream that is open now. */
export function answerDue(record: RequestRecord): boolean {
  return record.sent && !record.answered;
}

/** Where the records live (the relay's request table), by the id each request has upstream. */
export interface RequestRecords {
  /** The record of request `id` while it is in flight. */
  get(id: RequestId): RequestRecord | undefined;
  /** Every record in flight. */
  records(): Iterable<RequestRecord>;
}
