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
 * Nor older than the server allows: a list of revision 2026-07-28 says how
 * long it stays fresh (`ttlMs`; 0, or no hint, means not at all), since a
 * stateless server announces changes only to clients that listen for them.
 * Once that time has passed, a lookup waits for a load that started after
 * it. A list of an earlier revision carries no hint and stays current until
 * the server announces a change.
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
  /** When it started. */
  startedAt: number;
  done: Promise<void>;
}

/** Options for {@linkcode ToolCatalog}. */
export interface ToolCatalogOptions {
  /** The clock, in milliseconds (`Date.now` unless a test sets it). */
  now?: () => number;
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
  #now: () => number;
  /** When the last successful load started, and how long the server lets it stay fresh. */
  #loadedAt = -Infinity;
  #ttlMs = Infinity;
  #followed = false;
  /** Definitions seen in pages that passed through since the last load started, with when. */
  #observed = new Map<string, { tool: Tool; at: number }>();

  /**
   * Creates an empty catalog; `onLoaded` is told the whole list after each
   * successful load.
   */
  constructor(
    listPage: ListToolsPage,
    onLoaded: (tools: readonly Tool[]) => void = () => {},
    options: ToolCatalogOptions = {},
  ) {
    this.#listPage = listPage;
    this.#onLoaded = onLoaded;
    this.#now = options.now ?? Date.now;
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
   * Takes the definitions in a page of `tools/list` that reached the proxy on
   * another path (the client's own request): each is the newest the backend
   * gave, so calls are judged on it, even if a load that started earlier
   * finishes later.
   */
  observe(tools: readonly unknown[]): void {
    const at = this.#now();
    for (const tool of wellFormed(tools)) {
      this.#tools.set(tool.name, tool);
      this.#observed.set(tool.name, { tool, at });
    }
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
    const load: Load = { changes: this.#changes, startedAt: this.#now(), done: Promise.resolve() };
    load.done = this.#load(load).finally(() => {
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
   * The definition of `name` when a call may be judged on the view as it is,
   * with nothing to wait for (fresh, and `name` known); otherwise `undefined`,
   * and {@linkcode ToolCatalog.lookup} decides.
   */
  ready(name: string): Tool | undefined {
    return this.#freshFor(this.#now()) ? this.#tools.get(name) : undefined;
  }

  /**
   * The backend's definition of `name` for judging a call: waits for a list
   * that reflects every announced change (loading one if needed), and reloads
   * once when `name` is not known. Rejects when the list cannot be loaded.
   */
  async lookup(name: string): Promise<Tool | undefined> {
    const asked = this.#now();
    let reloaded = false;
    while (!this.#freshFor(asked)) {
      // A load that started after the last change (and, once the list went stale, after this
      // lookup) will do; any other is followed by a fresh one.
      const running = this.#running;
      const usable = running && running.changes === this.#changes &&
        (this.#now() < running.startedAt + this.#ttlMs || running.startedAt >= asked);
      await (usable ? running.done : this.refresh());
      reloaded = true;
    }
    if (!reloaded && !this.#tools.has(name)) await this.refresh();
    return this.#tools.get(name);
  }

  /** Whether the view may judge a call asked at `asked`: current, and fresh or loaded since. */
  #freshFor(asked: number): boolean {
    return this.current &&
      (this.#followed || this.#loadedAt >= asked || this.#now() < this.#loadedAt + this.#ttlMs);
  }

  /**
   * Whether the server's list changes are followed (a stateless server's
   * `subscriptions/listen` is open and acknowledged): the list is then fresh
   * until a change is announced, whatever its `ttlMs`, as a session's is.
   */
  follow(followed: boolean): void {
    this.#followed = followed;
  }

  async #load({ changes, startedAt }: Load): Promise<void> {
    const tools = new Map<string, Tool>();
    const seen = new Set<string>();
    let ttlMs = Infinity;
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.#listPage(cursor);
      if (!Array.isArray(result?.tools)) {
        throw new Error("the server's tools/list has no tools array");
      }
      ttlMs = Math.min(ttlMs, freshness(result));
      for (const tool of wellFormed(result.tools)) tools.set(tool.name, tool);
      cursor = result.nextCursor;
      if (cursor === undefined || seen.has(cursor)) break;
      seen.add(cursor);
    }
    // A page observed while this load ran is newer than what the load read.
    for (const [name, seen] of this.#observed) {
      if (seen.at >= startedAt) tools.set(name, seen.tool);
      else this.#observed.delete(name);
    }
    this.#tools = tools;
    this.#loaded = true;
    this.#loadedAt = startedAt;
    this.#ttlMs = ttlMs;
    this.#currentAs = Math.max(this.#currentAs, changes);
    this.#onLoaded([...tools.values()]);
  }
}

/**
 * How long a page stays fresh, in milliseconds: its `ttlMs`; 0 for a page of
 * revision 2026-07-28 or later without one (it says `resultType`), as the
 * revision's caching rules say; for ever for a page of an earlier revision.
 */
function freshness(result: ListToolsResult): number {
  const { ttlMs, resultType } = result as { ttlMs?: unknown; resultType?: unknown };
  if (typeof ttlMs === "number" && ttlMs >= 0) return ttlMs;
  return resultType === undefined ? Infinity : 0;
}

/** The tools of a page that have a name and an input schema; the rest no client could call. */
export function wellFormed(tools: readonly unknown[]): Tool[] {
  return tools.filter((tool): tool is Tool =>
    typeof tool === "object" && tool !== null && typeof (tool as Tool).name === "string" &&
    typeof (tool as Tool).inputSchema === "object" && (tool as Tool).inputSchema !== null
  );
}
