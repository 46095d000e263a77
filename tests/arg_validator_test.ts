import { assertEquals } from "./assert.ts";
import { ArgumentValidator } from "../src/mcp/tools/arg_validator.ts";
import type { Tool } from "../src/mcp_sdk.ts";

const add: Tool = {
  name: "add",
  inputSchema: {
    type: "object",
    properties: { a: { type: "number" }, b: { type: "number" } },
    required: ["a", "b"],
  },
};

Deno.test("valid arguments pass", async () => {
  assertEquals(await new ArgumentValidator().check(add, { a: 1, b: 2 }), { valid: true });
});

Deno.test("each failing path is named with the expected type", async () => {
  const check = await new ArgumentValidator().check(add, { a: "x", b: [] });
  assertEquals(check.valid, false);
  if (check.valid === false) {
    assertEquals(check.message.startsWith('Invalid arguments for tool "add": '), true);
    assertEquals(check.message.includes("arguments/a must be number"), true);
    assertEquals(check.message.includes("arguments/b must be number"), true);
  }
});

Deno.test("missing arguments are checked as an empty object", async () => {
  const check = await new ArgumentValidator().check(add, undefined);
  assertEquals(check.valid === false && check.message.includes("required property 'a'"), true);
});

Deno.test("a schema that cannot compile leaves the call unchecked instead of blocking it", async () => {
  const odd: Tool = {
    name: "odd",
    inputSchema: { type: "object", properties: { x: { $ref: "#/nowhere" } } },
  };
  assertEquals((await new ArgumentValidator().check(odd, { x: 1 })).valid, "unchecked");
});

const search: Tool = {
  name: "search",
  inputSchema: {
    type: "object",
    properties: { query: { type: "string" }, verbose: { type: "boolean" } },
    required: ["query"],
  },
};

Deno.test("an optional argument given as null is judged as left out", async () => {
  const validator = new ArgumentValidator();
  assertEquals(await validator.check(search, { query: "x", verbose: null }), { valid: true });
  assertEquals((await validator.check(search, { query: "x", verbose: "yes" })).valid, false);
});

Deno.test("a required argument given as null is still refused", async () => {
  const check = await new ArgumentValidator().check(search, { query: null });
  assertEquals(
    check.valid === false && check.message.includes("arguments/query must be string"),
    true,
  );
});

Deno.test("arguments nested past what the validator can walk are refused, not sent unchecked", async () => {
  const recursive: Tool = {
    name: "tree",
    inputSchema: { type: "object", properties: { child: { $ref: "#" } } },
  };
  let args: Record<string, unknown> = {};
  for (let i = 0; i < 100_000; i++) args = { child: args };
  const check = await new ArgumentValidator().check(recursive, args);
  assertEquals(check.valid, false);
  if (check.valid === false) assertEquals(check.message.includes("could not be checked"), true);
  // Shallow arguments of the same tool still pass.
  assertEquals(
    (await new ArgumentValidator().check(recursive, { child: { child: {} } })).valid,
    true,
  );
});
