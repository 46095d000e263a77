/**
 * What the log says of each tool list the gate loads: how many tools the
 * server offers, which are hidden and why, which flag would admit them, and
 * patterns that match nothing. Said at start, after an announced change and
 * on a new session; a reload that only refreshes a stale list (a stateless
 * server's, per call) is said only when it finds something new.
 *
 * @module
 */
import type { Tool } from "../../mcp_sdk.ts";
import type { Logger } from "../../log.ts";
import {
  admissibleTools,
  filterTools,
  hidesEverything,
  type ToolPolicy,
  unmatchedPatterns,
} from "./tool_filter.ts";

/** The log's account of loaded tool lists; see the module doc. */
export class ListReport {
  #policy: ToolPolicy;
  #log: Logger;
  /** What the log last said, so that an unchanged reload is not said again. */
  #said = "";
  /** Whether the next load follows a start, an announced change or a new session. */
  #announced = true;

  /** A report under `policy`, written to `logger`. */
  constructor(policy: ToolPolicy, logger: Logger) {
    this.#policy = policy;
    this.#log = logger;
  }

  /** The next load follows an announced change or a new session: it is said whatever it finds. */
  announce(): void {
    this.#announced = true;
  }

  /** Says what the loaded `tools` are under the policy. */
  report(tools: readonly Tool[]): void {
    const policy = this.#policy;
    const { visible, hidden } = filterTools(tools, policy);
    const said = JSON.stringify([tools.length, visible.length, hidden]);
    const announced = this.#announced;
    this.#announced = false;
    if (!announced && said === this.#said) {
      this.#log.debug(`the server's ${tools.length} tools are as before`);
      return;
    }
    this.#said = said;
    this.#log.info(
      `the server offers ${tools.length} tools; ${visible.length} exposed, ${hidden.length} hidden`,
    );
    const unmatched = unmatchedPatterns(tools, policy);
    if (unmatched.length > 0) {
      this.#log.warn(`no tool of the server matches ${unmatched.join(", ")}`);
    }
    if (hidden.length > 0) {
      this.#log.info(`hidden: ${hidden.map((h) => `${h.name} (${h.reason})`).join(", ")}`);
      const admissible = admissibleTools(tools, policy);
      if (admissible.length > 0) {
        this.#log.info(`--allow-tool would admit: ${admissible.join(", ")}`);
      }
    }
    const warning = hidesEverything(tools, policy);
    if (warning) this.#log.warn(warning);
  }
}
