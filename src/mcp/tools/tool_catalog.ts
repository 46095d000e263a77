/**
 * The proxy's current view of the backend's tools: every page of
 * `tools/list`, reloaded when the backend says its list changed or when a
 * call names a tool the view does not know.
 *
 * A view is never older than the last announced change: from
 * {@linkcode ToolCatalog.invalidate} until a load that started after it has
 * finished, {@linkcode ToolCatalog.lookup} waits for that load, and fails
 * with it.
 *
 * @module
 */
import type { ListToolsResult, Tool } from "../../mcp_sdk.ts";

/** Fetches one page of `tools/list`, starting after `cursor`. */
export type ListToolsPage = (cursor: string | undefined) => Promise<ListToolsResult>;

const MAX_PAGES = 1000;

interface Load {
  /** The number of changes announced when the load started. */
  changes: number;
  done: Promise<void>;
}

/** The backend's tools by name, kept current by {@linkcode ToolCatalog.refresh}. */
export class ToolCatalog {
  #listPage: ListToolsPage;
  #onLoaded: (tools: readonly Tool[]) => void;
  #tools = new Map<string, Tool>();
  #loaded = false;
  /** Changes announced so far. */
  #changes = 0;
  /** The value of `#changes` when the last successful load started. */
  #currentAs = 0;
  #running: Load | undefined;
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

  /** Whether the view reflects every change announced so far. */
  get current(): boolean {
    return this.#loaded && this.#currentAs === this.#changes;
  }

  /** The current definition of `name`, if the backend lists it. */
  get(name: string): Tool | undefined {
    return this.#tools.get(name);
  }

  /**
   * Records that the backend's list changed and starts loading it again;
   * until that load is done, lookups wait for it.
   */
  invalidate(): Promise<void> {
    this.#changes++;
    return this.refresh();
  }

  /**
   * Loads the whole list again. A call made while a load is under way waits
   * for a fresh load that starts after it, so a change announced mid-load is
   * never missed; concurrent callers share that one load.
   */
  refresh(): Promise<void> {
    if (this.#queued) return this.#queued;
    if (this.#running) {
      this.#queued = this.#running.done.catch(() => {}).then(() => {
        this.#queued = undefined;
        return this.refresh();
      });
      return this.#queued;
    }
    const load: Load = { changes: this.#changes, done: Promise.resolve() };
    load.done = this.#load(load.changes).finally(() => {
      if (this.#running === load) this.#running = undefined;
    });
    this.#running = load;
    return load.done;
  }

  /** Loads the list unless it is loaded or loading: for discovery at start. */
  ensureLoaded(): Promise<void> {
    if (this.#loaded) return Promise.resolve();
    return this.#running?.done ?? this.refresh();
  }

  /**
   * The backend's definition of `name` for judging a call: waits for a list
   * that reflects every announced change (loading one if needed), and reloads
   * once when `name` is not known. Rejects when the list cannot be loaded.
   */
  async lookup(name: string): Promise<Tool | undefined> {
    let reloaded = false;
    while (!this.current) {
      // A load that started after the last change will do; any other is followed by a fresh one.
      const running = this.#running;
      await (running && running.changes === this.#changes ? running.done : this.refresh());
      reloaded = true;
    }
    if (!reloaded && !this.#tools.has(name)) await this.refresh();
    return this.#tools.get(name);
  }

  async #load(changes: number): Promise<void> {
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
    this.#currentAs = Math.max(this.#currentAs, changes);
    this.#onLoaded([...tools.values()]);
  }
}
