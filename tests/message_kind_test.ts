import { assertEquals } from "./assert.ts";
import {
  cancelledRequestId,
  isErrorResponse,
  isNotification,
  isRequest,
  isResponse,
} from "../src/jsonrpc/message_kind.ts";
import type { JSONRPCMessage } from "../src/mcp_sdk.ts";

const CASES: [string, JSONRPCMessage, [boolean, boolean, boolean, boolean]][] = [
  ["request", { jsonrpc: "2.0", id: 1, method: "ping" }, [true, false, false, false]],
  ["request with id 0", { jsonrpc: "2.0", id: 0, method: "tools/list" }, [
    true,
    false,
    false,
    false,
  ]],
  ["notification", { jsonrpc: "2.0", method: "notifications/initialized" }, [
    false,
    true,
    false,
    false,
  ]],
  ["result", { jsonrpc: "2.0", id: "a", result: {} }, [false, false, true, false]],
  ["error", { jsonrpc: "2.0", id: 2, error: { code: -1, message: "x" } }, [
    false,
    false,
    true,
    true,
  ]],
  ["error without id", { jsonrpc: "2.0", error: { code: -32700, message: "x" } }, [
    false,
    false,
    true,
    true,
  ]],
];

for (const [name, message, expected] of CASES) {
  Deno.test(`message kind: ${name}`, () => {
    assertEquals([
      isRequest(message),
      isNotification(message),
      isResponse(message),
      isErrorResponse(message),
    ], expected);
  });
}

Deno.test("the cancelled request's id is read from notifications/cancelled only", () => {
  const cancel = (params: unknown) =>
    ({ jsonrpc: "2.0", method: "notifications/cancelled", params }) as JSONRPCMessage;
  assertEquals(cancelledRequestId(cancel({ requestId: 7, reason: "x" })), 7);
  assertEquals(cancelledRequestId(cancel({ requestId: "a" })), "a");
  assertEquals(cancelledRequestId(cancel(undefined)), undefined);
  assertEquals(
    cancelledRequestId({
      jsonrpc: "2.0",
      method: "notifications/progress",
      params: { requestId: 7 },
    }),
    undefined,
  );
  assertEquals(cancelledRequestId({ jsonrpc: "2.0", id: 7, result: {} }), undefined);
});
