import { assertEquals } from "./assert.ts";
import { SdkErrorCode } from "@modelcontextprotocol/client";
import { SdkHttpError } from "../src/mcp_sdk.ts";
import { classifyRemoteError, serverErrorOf } from "../src/mcp/remote_errors.ts";
import { shellQuote } from "../src/shell_quote.ts";

const httpError = (status: number, text: string) =>
  new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
    status,
    text,
  });

Deno.test("the server's JSON-RPC error for the request is recognised in an HTTP error body, and only that", () => {
  const own = {
    jsonrpc: "2.0",
    id: 7,
    error: { code: -32022, message: "Unsupported protocol version" },
  };
  assertEquals(serverErrorOf(httpError(400, JSON.stringify(own)), 7), own);
  assertEquals(serverErrorOf(httpError(400, JSON.stringify(own)), 8), undefined, "another id");
  assertEquals(
    serverErrorOf(httpError(400, JSON.stringify({ ...own, id: null })), 7),
    undefined,
    "a session error with no id is the transport's business",
  );
  assertEquals(serverErrorOf(httpError(403, '{"message":"denied"}'), 7), undefined);
  assertEquals(serverErrorOf(httpError(502, "<html>bad gateway</html>"), 7), undefined);
  assertEquals(serverErrorOf(new Error("x"), 7), undefined);
});

Deno.test("an HTTP error with no readable body says what the status means, never 'null'; suggested commands quote the profile", () => {
  const ctx = { host: "h.example", service: "execute-api", region: "us-east-1" };
  const big = classifyRemoteError(httpError(431, "null"), ctx);
  assertEquals(big.message.includes("null"), false);
  assertEquals(
    big.message.startsWith("The endpoint refused the request's headers as too large"),
    true,
  );
  assertEquals(
    classifyRemoteError(httpError(418, "null"), ctx).message,
    "The endpoint answered HTTP 418",
  );
  const expired = classifyRemoteError(
    httpError(403, '{"message":"The security token included in the request is expired"}'),
    { ...ctx, profile: "team's $(rm -rf)" },
  );
  assertEquals(expired.message.includes(`--profile 'team'\\''s $(rm -rf)'`), true, expired.message);
  assertEquals(shellQuote("dev-1"), "dev-1");
});
