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
