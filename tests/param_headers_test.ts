import { assertEquals } from "./assert.ts";
import { paramHeaders, scanParamHeaders } from "../src/mcp/tools/param_headers.ts";
import { encodeHeaderValue } from "../src/transport/http/mcp_headers.ts";

const schema = (properties: Record<string, unknown>) => ({ type: "object", properties });

Deno.test("declared arguments are found through properties, nested too", () => {
  assertEquals(
    scanParamHeaders(schema({
      region: { type: "string", "x-mcp-header": "Region" },
      limit: { type: "integer", "x-mcp-header": "Limit" },
      options: {
        type: "object",
        properties: { dry: { type: "boolean", "x-mcp-header": "Dry-Run" } },
      },
      plain: { type: "string" },
    })),
    {
      valid: true,
      headers: [
        { path: ["region"], name: "Region" },
        { path: ["limit"], name: "Limit" },
        { path: ["options", "dry"], name: "Dry-Run" },
      ],
    },
  );
  assertEquals(scanParamHeaders(undefined), { valid: true, headers: [] });
});

Deno.test("invalid declarations are told apart", () => {
  const invalid: [string, unknown][] = [
    ["empty", schema({ a: { type: "string", "x-mcp-header": "" } })],
    ["not a string", schema({ a: { type: "string", "x-mcp-header": 5 } })],
    ["object", schema({ a: { type: "object", "x-mcp-header": "A" } })],
    ["array", schema({ a: { type: "array", "x-mcp-header": "A" } })],
    ["null", schema({ a: { type: "null", "x-mcp-header": "A" } })],
    ["number", schema({ a: { type: "number", "x-mcp-header": "A" } })],
    [
      "same name",
      schema({
        a: { type: "string", "x-mcp-header": "A" },
        b: { type: "string", "x-mcp-header": "A" },
      }),
    ],
    [
      "same name, other case",
      schema({
        a: { type: "string", "x-mcp-header": "Name" },
        b: { type: "string", "x-mcp-header": "NAME" },
      }),
    ],
    ["space", schema({ a: { type: "string", "x-mcp-header": "My Header" } })],
    ["colon", schema({ a: { type: "string", "x-mcp-header": "My:Header" } })],
    ["non-ASCII", schema({ a: { type: "string", "x-mcp-header": "Régión" } })],
    ["control character", schema({ a: { type: "string", "x-mcp-header": "A\u0001" } })],
    [
      "under items",
      schema({ a: { type: "array", items: { type: "string", "x-mcp-header": "A" } } }),
    ],
    ["under anyOf", {
      type: "object",
      anyOf: [{ properties: { a: { type: "string", "x-mcp-header": "A" } } }],
    }],
  ];
  for (const [what, input] of invalid) assertEquals(scanParamHeaders(input).valid, false, what);
});

Deno.test("values go as they are when plain, else Base64 of their UTF-8", () => {
  assertEquals(encodeHeaderValue("us-west-2"), "us-west-2");
  assertEquals(encodeHeaderValue("a b"), "a b");
  assertEquals(encodeHeaderValue(" padded"), `=?base64?${btoa(" padded")}?=`);
  assertEquals(encodeHeaderValue("日本"), "=?base64?5pel5pys?=");
  assertEquals(encodeHeaderValue("line\nbreak"), `=?base64?${btoa("line\nbreak")}?=`);
  assertEquals(encodeHeaderValue("=?base64?abc?="), `=?base64?${btoa("=?base64?abc?=")}?=`);
});

Deno.test("headers mirror the call's arguments; absent and null ones are left out", () => {
  const headers = [
    { path: ["region"], name: "Region" },
    { path: ["limit"], name: "Limit" },
    { path: ["options", "dry"], name: "Dry-Run" },
    { path: ["missing"], name: "Missing" },
  ];
  assertEquals(
    paramHeaders(headers, {
      region: "eu-west-1",
      limit: 10,
      options: { dry: true },
      missing: null,
    }),
    {
      "Mcp-Param-Region": "eu-west-1",
      "Mcp-Param-Limit": "10",
      "Mcp-Param-Dry-Run": "true",
    },
  );
});

Deno.test("a schema nested far deeper than the call stack is scanned, not a crash", () => {
  let deep: Record<string, unknown> = { type: "string", "x-mcp-header": "Leaf" };
  for (let i = 0; i < 100_000; i++) deep = { type: "object", properties: { a: deep } };
  const scan = scanParamHeaders(deep);
  assertEquals(scan.valid, true);
  if (scan.valid) assertEquals(scan.headers[0]?.path.length, 100_000);
  let misplaced: unknown = { "x-mcp-header": "X" };
  for (let i = 0; i < 100_000; i++) misplaced = [misplaced];
  assertEquals(scanParamHeaders({ type: "object", anyOf: misplaced }), {
    valid: false,
    reason: 'the schema: x-mcp-header under "anyOf" is not reachable through properties alone',
  });
});
