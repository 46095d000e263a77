import { assertEquals } from "./assert.ts";
import { compileToolPolicy, filterTools, judgeToolCall } from "../src/tool_filter.ts";
import type { Tool } from "../src/mcp_sdk.ts";

const schema = { type: "object" as const };
const read: Tool = { name: "get_item", inputSchema: schema, annotations: { readOnlyHint: true } };
const write: Tool = { name: "put_item", inputSchema: schema, annotations: { readOnlyHint: false } };
const bare: Tool = { name: "run_query", inputSchema: schema };
const truthy: Tool = {
  name: "odd",
  inputSchema: schema,
  annotations: { readOnlyHint: "yes" as unknown as boolean },
};
const ALL = [read, write, bare, truthy];

Deno.test("read-only mode keeps only readOnlyHint === true, and says why the rest are hidden", () => {
  const { visible, hidden } = filterTools(ALL, compileToolPolicy({ allowWrite: false }));
  assertEquals(visible.map((t) => t.name), ["get_item"]);
  assertEquals(hidden, [
    { name: "put_item", reason: "readOnlyHint: false" },
    { name: "run_query", reason: "no readOnlyHint annotation" },
    { name: "odd", reason: "no readOnlyHint annotation" },
  ]);
});

Deno.test("--allow-write exposes every tool", () => {
  assertEquals(filterTools(ALL, compileToolPolicy({ allowWrite: true })).visible, ALL);
});

Deno.test("include and exclude globs apply after the read-only rule", () => {
  const policy = compileToolPolicy({ allowWrite: true, include: ["*_item"], exclude: ["put_*"] });
  const { visible, hidden } = filterTools(ALL, policy);
  assertEquals(visible.map((t) => t.name), ["get_item"]);
  assertEquals(hidden.map((h) => h.reason), [
    "matches --exclude-tool put_*",
    "matches no --include-tool pattern",
    "matches no --include-tool pattern",
  ]);
  const question = compileToolPolicy({ allowWrite: true, include: ["get_ite?"] });
  assertEquals(filterTools(ALL, question).visible.map((t) => t.name), ["get_item"]);
  const literal = compileToolPolicy({ allowWrite: true, include: ["get.item"] });
  assertEquals(filterTools(ALL, literal).visible, [], "a dot in a glob is a dot");
});

Deno.test("a write tool call is refused in read-only mode, naming --allow-write", () => {
  const verdict = judgeToolCall("put_item", write, compileToolPolicy({ allowWrite: false }));
  assertEquals(verdict.allowed, false);
  if (!verdict.allowed) assertEquals(/--allow-write/.test(verdict.message), true);
});

Deno.test("a read-only tool call is allowed", () => {
  assertEquals(judgeToolCall("get_item", read, compileToolPolicy({ allowWrite: false })), {
    allowed: true,
    tool: read,
  });
});

Deno.test("an unknown tool is refused unless every tool is allowed", () => {
  assertEquals(
    judgeToolCall("nope", undefined, compileToolPolicy({ allowWrite: false })).allowed,
    false,
  );
  assertEquals(
    judgeToolCall("nope", undefined, compileToolPolicy({ allowWrite: true, exclude: ["x"] }))
      .allowed,
    false,
  );
  assertEquals(
    judgeToolCall("nope", undefined, compileToolPolicy({ allowWrite: true })).allowed,
    true,
  );
});

Deno.test("an excluded tool's refusal names the pattern", () => {
  const verdict = judgeToolCall(
    "get_item",
    read,
    compileToolPolicy({ allowWrite: false, exclude: ["get_*"] }),
  );
  assertEquals(
    verdict.allowed ? "" : verdict.message,
    'Tool "get_item" is hidden by the proxy (matches --exclude-tool get_*); remove that --exclude-tool pattern to allow it',
  );
});
