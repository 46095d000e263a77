import { assertEquals, assertStrictEquals, assertThrows } from "./assert.ts";
import { parseHeaderFlag, parseMetadataFlag, withMetadata } from "../src/mcp/request_extras.ts";

Deno.test("parseHeaderFlag lower-cases the name and trims the value", () => {
  assertEquals(parseHeaderFlag("X-Tenant:  blue "), { "x-tenant": "blue" });
  assertEquals(parseHeaderFlag("x-empty:"), { "x-empty": "" });
});

Deno.test("parseHeaderFlag refuses headers the proxy or SigV4 owns", () => {
  for (
    const name of [
      "Authorization",
      "Host",
      "X-Amz-Date",
      "x-amz-security-token",
      "Mcp-Session-Id",
      "MCP-Protocol-Version",
      "Content-Type",
      "content-length",
    ]
  ) {
    assertThrows(() => parseHeaderFlag(`${name}: x`), /cannot set/);
  }
  assertThrows(() => parseHeaderFlag("no colon"), /must look like "Name: value"/);
  assertThrows(() => parseHeaderFlag("bad name: x"), /must look like "Name: value"/);
});

Deno.test("parseMetadataFlag splits at the first =", () => {
  assertEquals(parseMetadataFlag("AWS_REGION=eu-west-1"), { AWS_REGION: "eu-west-1" });
  assertEquals(parseMetadataFlag("k=a=b"), { k: "a=b" });
  assertEquals(parseMetadataFlag("k="), { k: "" });
  assertThrows(() => parseMetadataFlag("=v"), /KEY=VALUE/);
});

Deno.test("withMetadata merges into _meta, and the client's own keys win", () => {
  const request = {
    jsonrpc: "2.0" as const,
    id: 1,
    method: "tools/call",
    params: { name: "x", _meta: { progressToken: 7, A: "client" } },
  };
  assertEquals(withMetadata(request, { A: "proxy", B: "proxy" }).params, {
    name: "x",
    _meta: { A: "client", B: "proxy", progressToken: 7 },
  });
  assertEquals(withMetadata({ jsonrpc: "2.0", id: 2, method: "ping" }, { A: "1" }).params, {
    _meta: { A: "1" },
  });
  assertStrictEquals(withMetadata(request, {}), request);
});
