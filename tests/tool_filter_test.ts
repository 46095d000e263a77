import { assertEquals } from "./assert.ts";
import {
  admissibleTools,
  compileToolPolicy,
  filterTools,
  hidesEverything,
  judgeToolCall,
} from "../src/mcp/tools/tool_filter.ts";
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

Deno.test("--allow-tool trusts matching tools without readOnlyHint; --exclude-tool still wins", () => {
  const policy = compileToolPolicy({ allowWrite: false, allow: ["run_*", "put_item"] });
  assertEquals(filterTools(ALL, policy).visible.map((t) => t.name), [
    "get_item",
    "put_item",
    "run_query",
  ]);
  const excluded = compileToolPolicy({ allowWrite: false, allow: ["run_*"], exclude: ["run_*"] });
  assertEquals(filterTools(ALL, excluded).visible.map((t) => t.name), ["get_item"]);
  const verdict = judgeToolCall("odd", truthy, policy);
  assertEquals(
    verdict.allowed ? "" : verdict.message,
    'Tool "odd" is hidden by the proxy (no readOnlyHint annotation); start the proxy with --allow-tool odd to trust this tool, or --allow-write to allow every tool',
  );
});

Deno.test("admissibleTools names the tools read-only mode alone hides", () => {
  assertEquals(admissibleTools(ALL, compileToolPolicy({ allowWrite: false })), [
    "put_item",
    "run_query",
    "odd",
  ]);
  const narrowed = compileToolPolicy({ allowWrite: false, include: ["*_item"], allow: ["put_*"] });
  assertEquals(admissibleTools(ALL, narrowed), [], "include hides the rest anyway");
  assertEquals(admissibleTools(ALL, compileToolPolicy({ allowWrite: true })), []);
});

Deno.test("hidesEverything speaks only when no tool is left, naming both ways out", () => {
  const bareOnly = [bare, { ...bare, name: "run_report" }];
  assertEquals(
    hidesEverything(bareOnly, compileToolPolicy({ allowWrite: false })),
    "read-only mode hides every one of the server's 2 tools: 2 lack readOnlyHint: true. Pass --allow-tool NAME for tools you trust (such as --allow-tool run_query), or --allow-write to expose all",
  );
  assertEquals(hidesEverything(ALL, compileToolPolicy({ allowWrite: false })), undefined);
  assertEquals(hidesEverything([], compileToolPolicy({ allowWrite: false })), undefined);
  assertEquals(
    hidesEverything(ALL, compileToolPolicy({ allowWrite: true, include: ["nothing"] })),
    "every one of the server's 4 tools is hidden by --include-tool / --exclude-tool",
  );
});

Deno.test("globs match the whole name, Unicode-aware: line terminators and emoji are characters like any other", () => {
  const named = (name: string): Tool => ({
    name,
    inputSchema: schema,
    annotations: { readOnlyHint: true },
  });
  const tools = [named("drop_\u{1F4A5}"), named("drop_x"), named("ok")];
  const policy = compileToolPolicy({
    allowWrite: true,
    exclude: ["drop_*", "x?y"],
    allow: [],
  });
  assertEquals(filterTools(tools, policy).visible.map((t) => t.name), ["ok"]);
  const single = compileToolPolicy({ allowWrite: true, exclude: ["drop_?"] });
  assertEquals(judgeToolCall("drop_\u{1F4A5}", named("drop_\u{1F4A5}"), single).allowed, false);
  const star = compileToolPolicy({ allowWrite: true, include: ["safe*"] });
  assertEquals(judgeToolCall("safe", named("safe"), star).allowed, true);
});

Deno.test("a tool whose name holds a control character or line separator is hidden and refused under any flags", () => {
  const policy = compileToolPolicy({ allowWrite: true, allow: ["*"] });
  for (const name of ["a\nb", "a\u2028b", "a\u0000", "tab\there", "del\u007f"]) {
    const tool: Tool = { name, inputSchema: schema, annotations: { readOnlyHint: true } };
    const { visible, hidden } = filterTools([tool], policy);
    assertEquals([visible.length, hidden[0]?.reason], [0, "its name holds control characters"]);
    const verdict = judgeToolCall(name, undefined, policy);
    assertEquals(verdict.allowed, false, `${JSON.stringify(name)} refused though not listed`);
  }
});
