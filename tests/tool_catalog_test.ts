import { assertEquals } from "./assert.ts";
import { ToolCatalog } from "../src/tool_catalog.ts";
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
