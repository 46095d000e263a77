/**
 * The proxy's current view of the backend's tools: every page of
 * `tools/list`, reloaded when the backend says its list changed or when a
 * call names a tool the view does not know.
 *
 * @module
 */
import type { ListToolsResult, Tool } from "./mcp_sdk.ts";

/** Fetches one page of `tools/list`, starting after `cursor`. */
export type ListToolsPage = (cursor: string | undefined) => Promise<ListToolsResult>;

const MAX_PAGES = 1000;

/** The backend's tools by name, kept current by {@linkcode ToolCatalog.refresh}. */
export class ToolCatalog {
  #listPage: ListToolsPage;
  #onLoaded: (tools: readonly Tool[]) => void;
  #tools = new Map<string, Tool>();
  #loaded = false;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  /**
   * Creates an empty catalog; `onLoaded` is told the whole list after each
   * successful load.
   */
  constructor(listPage: ListToolsPage, onLoaded: (tools: readonly Tool[]) => void = () => {}) {
    this.#listPage = listPage;
    this.#onLoaded = onLoaded;
  }

  /** Whether a full list has been loaded at least once. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** The current definition of `name`, if the backend lists it. */
  get(name: string): Tool | undefined {
    return this.#tools.get(name);
  }

  /**
   * Loads the whole list again. A call made while a load is under way waits
   * for a fresh load that starts after it, so a change announced mid-load is
   * never missed; concurrent callers share that one load.
   */
  refresh(): Promise<void> {
    if (this.#queued) return this.#queued;
    if (this.#running) {
      this.#queued = this.#running.catch(() => {}).then(() => {
        this.#queued = undefined;
        return this.refresh();
      });
      return this.#queued;
    }
    this.#running = this.#load().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Loads the list unless it is loaded or loading: for discovery at start. */
  ensureLoaded(): Promise<void> {
    if (this.#loaded) return Promise.resolve();
    return this.#running ?? this.refresh();
  }

  /**
   * The backend's definition of `name` for judging a call: loads the list
   * first if it never was, and reloads once when `name` is not known.
   */
  async lookup(name: string): Promise<Tool | undefined> {
    if (!this.#loaded) {
      await this.ensureLoaded();
      if (this.#tools.has(name)) return this.#tools.get(name);
    }
    if (!this.#tools.has(name)) await this.refresh();
    return this.#tools.get(name);
  }

  async #load(): Promise<void> {
    const tools = new Map<string, Tool>();
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.#listPage(cursor);
      for (const tool of result.tools) tools.set(tool.name, tool);
      cursor = result.nextCursor;
      if (cursor === undefined || seen.has(cursor)) break;
      seen.add(cursor);
    }
    this.#tools = tools;
    this.#loaded = true;
    this.#onLoaded([...tools.values()]);
  }
}
