/**
 * The proxy's own `subscriptions/listen` to a stateless server (revision
 * 2026-07-28) for its tool-list changes: while it is open and acknowledged,
 * the gate's list is fresh until the server announces a change, as a
 * session's is, so a `tools/call` costs no `tools/list` round trip first.
 * Without it (the server offers no subscriptions, or the stream dropped) the
 * list is as fresh as its `ttlMs` says, which for most servers means loaded
 * again per call.
 *
 * @module
 */
import type { Logger } from "../../log.ts";
import { describeError } from "../../log.ts";

/** What the subscription drives. */
export interface ListSubscriptionOptions {
  /** Opens the subscription; settles when it ends (an answer, or an error). */
  listen: () => Promise<unknown>;
  /** Tells the list whether it is followed. */
  follow: (followed: boolean) => void;
  /** Loads the list again: a load after the subscription began misses no change. */
  reload: () => void;
  /** Says when following starts and stops. */
  logger: Logger;
}

/** How many times a subscription that had worked is opened again after it ends. */
const MAX_REOPENS = 3;

/** The proxy's own tool-list subscription; see the module doc. */
export class ListSubscription {
  #o: ListSubscriptionOptions;
  #open = false;
  #acknowledged = false;
  #reopens = 0;

  /** A subscription not yet opened. */
  constructor(options: ListSubscriptionOptions) {
    this.#o = options;
  }

  /** Opens it, unless it is open. */
  start(): void {
    if (this.#open) return;
    this.#open = true;
    this.#o.listen().then(
      () => this.#ended("the server closed it"),
      (error) => this.#ended(describeError(error)),
    );
  }

  /** The server acknowledged it: the list is followed from now on. */
  acknowledged(): void {
    if (!this.#open || this.#acknowledged) return;
    this.#acknowledged = true;
    this.#o.follow(true);
    this.#o.reload();
    this.#o.logger.info("following the server's tool-list changes (subscriptions/listen)");
  }

  #ended(why: string): void {
    const worked = this.#acknowledged;
    this.#open = false;
    this.#acknowledged = false;
    this.#o.follow(false);
    if (!worked) {
      this.#o.logger.debug(`no tool-list subscription (${why}); calls are judged on fresh lists`);
      return;
    }
    this.#o.logger.info(`the tool-list subscription ended (${why})`);
    if (this.#reopens++ < MAX_REOPENS) this.start();
  }
}
