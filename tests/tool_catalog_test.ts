import { assertEquals } from "./assert.ts";
import { ToolCatalog } from "../src/mcp/tools/tool_catalog.ts";
import type { ListToolsResult, Tool } from "../src/mcp_sdk.ts";

const tool = (name: string): Tool => ({ name, inputSchema: { type: "object" } });

/** A fake backend list with pages of two, counting the pages served. */
function pagedList(names: () => string[]) {
  const state = { pages: 0 };
  const list = (cursor: string | undefined): Promise<ListToolsResult> => {
    state.pages++;
    const all = names();
    const start = Number(cursor ?? 0);
    const next = start + 2 < all.length ? String(start + 2) : undefined;
    return Promise.resolve({
      tools: all.slice(start, start + 2).map(tool),
      ...(next ? { nextCursor: next } : {}),
    });
  };
  return { list, state };
}

Deno.test("a refresh loads every page", async () => {
  const { list, state } = pagedList(() => ["a", "b", "c", "d", "e"]);
  const loaded: string[][] = [];
  const catalog = new ToolCatalog(list, (tools) => loaded.push(tools.map((t) => t.name)));
  await catalog.refresh();
  assertEquals(state.pages, 3);
  assertEquals(loaded, [["a", "b", "c", "d", "e"]]);
  assertEquals(catalog.get("e")?.name, "e");
});

Deno.test("lookup loads once, and reloads once for an unknown name", async () => {
  let names = ["a"];
  const { list, state } = pagedList(() => names);
  const catalog = new ToolCatalog(list);
  assertEquals((await catalog.lookup("a"))?.name, "a");
  assertEquals(state.pages, 1);
  names = ["a", "b"];
  assertEquals((await catalog.lookup("b"))?.name, "b");
  assertEquals(state.pages, 2);
  assertEquals(await catalog.lookup("zzz"), undefined);
  assertEquals(state.pages, 3);
});

Deno.test("a refresh asked for during a load runs again after it, once for all callers", async () => {
  let names = ["a"];
  const { list, state } = pagedList(() => names);
  const catalog = new ToolCatalog(list);
  const first = catalog.refresh();
  names = ["a", "b"];
  const second = [catalog.refresh(), catalog.refresh(), catalog.refresh()];
  await Promise.all([first, ...second]);
  assertEquals(state.pages, 2);
  assertEquals(catalog.get("b")?.name, "b");
});

Deno.test("ensureLoaded does not reload a loaded list", async () => {
  const { list, state } = pagedList(() => ["a"]);
  const catalog = new ToolCatalog(list);
  await Promise.all([catalog.ensureLoaded(), catalog.ensureLoaded()]);
  await catalog.ensureLoaded();
  assertEquals(state.pages, 1);
});

Deno.test("a cursor that repeats ends the load instead of looping", async () => {
  const catalog = new ToolCatalog(() =>
    Promise.resolve({ tools: [tool("x")], nextCursor: "same" })
  );
  await catalog.refresh();
  assertEquals(catalog.get("x")?.name, "x");
});

Deno.test("after invalidate, lookup waits for a list loaded after the change, never the old one", async () => {
  let names = ["a"];
  const gate = Promise.withResolvers<void>();
  let slow = false;
  const { list: fast } = pagedList(() => names);
  const catalog = new ToolCatalog(async (cursor) => {
    if (slow) await gate.promise;
    return fast(cursor);
  });
  await catalog.refresh();
  assertEquals(catalog.current, true);
  slow = true;
  names = [];
  void catalog.invalidate().catch(() => {});
  assertEquals(catalog.current, false);
  let answered: Tool | undefined | "pending" = "pending";
  const lookup = catalog.lookup("a").then((t) => (answered = t));
  await new Promise((r) => setTimeout(r, 10));
  assertEquals(answered, "pending", "the old list (which has a) is not used");
  gate.resolve();
  await lookup;
  assertEquals(answered, undefined, "judged on the new list, which lacks a");
  assertEquals(catalog.current, true);
});

Deno.test("a change announced while a load runs is followed by another load", async () => {
  let names = ["a"];
  const gates: PromiseWithResolvers<void>[] = [];
  const { list: fast, state } = pagedList(() => names);
  const catalog = new ToolCatalog(async (cursor) => {
    const gate = Promise.withResolvers<void>();
    gates.push(gate);
    await gate.promise;
    return fast(cursor);
  });
  const first = catalog.refresh();
  names = ["b"];
  void catalog.invalidate();
  const lookup = catalog.lookup("b");
  gates[0]!.resolve();
  await first;
  assertEquals(catalog.current, false, "the load that started before the change does not count");
  await new Promise((r) => setTimeout(r, 0));
  gates[1]!.resolve();
  assertEquals((await lookup)?.name, "b");
  assertEquals(state.pages, 2);
});

Deno.test("a failed reload after a change fails the lookup; the next lookup tries again", async () => {
  let fail = true;
  const { list } = pagedList(() => ["a"]);
  const catalog = new ToolCatalog((cursor) =>
    fail ? Promise.reject(new Error("503")) : list(cursor)
  );
  fail = false;
  await catalog.refresh();
  fail = true;
  await catalog.invalidate().catch(() => {});
  let error: unknown;
  await catalog.lookup("a").catch((e) => (error = e));
  assertEquals((error as Error).message, "503");
  fail = false;
  assertEquals((await catalog.lookup("a"))?.name, "a");
});

/** A one-page list of revision 2026-07-28 with the given freshness hint, counting loads. */
function modernList(hint: Record<string, unknown>) {
  const state = { loads: 0 };
  const list = (): Promise<ListToolsResult> => {
    state.loads++;
    return Promise.resolve({ tools: [tool("a")], resultType: "complete", ...hint });
  };
  return { list, state };
}

Deno.test("a list fresh for ttlMs is reused until then, and loaded again after", async () => {
  let now = 0;
  const { list, state } = modernList({ ttlMs: 1000, cacheScope: "private" });
  const catalog = new ToolCatalog(list, undefined, { now: () => now });
  await catalog.lookup("a");
  now = 999;
  await catalog.lookup("a");
  assertEquals(state.loads, 1);
  now = 1000;
  await catalog.lookup("a");
  assertEquals(state.loads, 2, "stale: a call is judged on a list loaded after it was asked");
});

Deno.test("a 2026-07-28 list with ttlMs 0, or with no hint, is loaded again for every lookup; concurrent lookups share one load", async () => {
  for (const hint of [{ ttlMs: 0 }, {}]) {
    let now = 0;
    const { list, state } = modernList(hint);
    const catalog = new ToolCatalog(list, undefined, { now: () => now });
    await catalog.lookup("a");
    now = 1;
    await catalog.lookup("a");
    assertEquals(state.loads, 2, JSON.stringify(hint));
    now = 2;
    await Promise.all([catalog.lookup("a"), catalog.lookup("a"), catalog.lookup("a")]);
    assertEquals(state.loads, 3, JSON.stringify(hint));
  }
});

Deno.test("a list of an earlier revision (no resultType, no hint) stays current until a change is announced", async () => {
  let now = 0;
  const { list, state } = pagedList(() => ["a"]);
  const catalog = new ToolCatalog(list, undefined, { now: () => now });
  await catalog.lookup("a");
  now = 86_400_000;
  await catalog.lookup("a");
  assertEquals(state.pages, 1);
});

Deno.test("ready gives a tool only while a call may be judged on the view as it is", async () => {
  let now = 0;
  const { list } = modernList({ ttlMs: 1000, cacheScope: "private" });
  const catalog = new ToolCatalog(list, undefined, { now: () => now });
  assertEquals(catalog.ready("a"), undefined, "nothing loaded yet");
  await catalog.lookup("a");
  assertEquals(catalog.ready("a")?.name, "a");
  assertEquals(catalog.ready("zzz"), undefined, "an unknown name is left to lookup, which reloads");
  now = 1000;
  assertEquals(catalog.ready("a"), undefined, "stale after ttlMs");
  await catalog.lookup("a");
  assertEquals(catalog.ready("a")?.name, "a");
  const reload = catalog.invalidate();
  assertEquals(catalog.ready("a"), undefined, "a change was announced and not yet loaded");
  await reload;
  assertEquals(catalog.ready("a")?.name, "a");
});
