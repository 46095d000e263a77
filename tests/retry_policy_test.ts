import { ResendBudget } from "../src/transport/http/resend_budget.ts";
import { RequestTable } from "../src/mcp/request_table.ts";
import { assertEquals } from "./assert.ts";
import {
  afterStreamEnd,
  DEFAULT_RETRY_POLICY,
  failureOfError,
  failureOfStatus,
  mayResend,
  parseRetryAfter,
  resignAfter,
  retryDelayMs,
} from "../src/retry_policy.ts";

Deno.test("throttling, 503 and gateway errors are transient; other statuses are final", () => {
  assertEquals(failureOfStatus(429), "throttled");
  assertEquals(
    failureOfStatus(400, "ThrottlingException:http://internal.amazon.com/"),
    "throttled",
  );
  assertEquals(failureOfStatus(503), "unavailable");
  assertEquals(failureOfStatus(502), "gateway");
  assertEquals(failureOfStatus(504), "gateway");
  for (const status of [400, 401, 403, 404, 500]) assertEquals(failureOfStatus(status), undefined);
  assertEquals(failureOfStatus(400, "ValidationException"), undefined);
});

Deno.test("a failed connect was not sent; a dropped connection or a timeout may have been", () => {
  const connect = new TypeError("fetch failed", {
    cause: new Error(
      "client error (Connect): tcp connect error: Connection refused (os error 111)",
    ),
  });
  const dropped = new TypeError("fetch failed", {
    cause: new Error("client error (SendRequest): connection closed before message completed"),
  });
  assertEquals(failureOfError(connect), "not-sent");
  assertEquals(failureOfError(dropped), "lost");
  assertEquals(failureOfError(new DOMException("no response", "TimeoutError")), "lost");
  assertEquals(failureOfError(new DOMException("closed", "AbortError")), undefined);
  assertEquals(failureOfError(new Error("credentials")), undefined);
});

Deno.test("only a request safe to run twice is resent after it may have reached the server", () => {
  for (const failure of ["throttled", "unavailable", "not-sent"] as const) {
    assertEquals(mayResend(failure, false), true, failure);
  }
  assertEquals(mayResend("gateway", false), false);
  assertEquals(mayResend("lost", false), false);
  assertEquals(mayResend("gateway", true), true);
});

Deno.test("Retry-After is read as seconds or as an HTTP date", () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  assertEquals(parseRetryAfter("3", now), 3000);
  assertEquals(parseRetryAfter("Tue, 24 Nov 2026 12:00:07 GMT", now), 7000);
  assertEquals(parseRetryAfter("Tue, 24 Nov 2026 11:00:00 GMT", now), 0);
  assertEquals(parseRetryAfter(null, now), undefined);
  assertEquals(parseRetryAfter("soon", now), undefined);
});

Deno.test("backoff is full jitter over a doubling ceiling, capped, and never under Retry-After", () => {
  const policy = DEFAULT_RETRY_POLICY;
  assertEquals(retryDelayMs(0, policy, () => 0.5), 50);
  assertEquals(retryDelayMs(3, policy, () => 0.5), 400);
  assertEquals(retryDelayMs(20, policy, () => 0.999), 19_980);
  assertEquals(retryDelayMs(0, policy, () => 0.5, 2000), 2000);
  assertEquals(retryDelayMs(0, policy, () => 0, 0), 0);
  assertEquals(
    retryDelayMs(0, policy, () => 0.5, 60_000),
    undefined,
    "too long a wait is not taken",
  );
});

Deno.test("only the authentication failures that re-signing can fix are re-signed", () => {
  for (const kind of ["skew", "expired-token", "invalid-token", "signature"]) {
    assertEquals(resignAfter(kind), true, kind);
  }
  for (const kind of ["scope", "denied", undefined]) assertEquals(resignAfter(kind), false);
});

Deno.test("a stream that ended before its answer: send a safe request once, else fail", () => {
  assertEquals(afterStreamEnd({ resent: false, safe: true }), "resend");
  assertEquals(afterStreamEnd({ resent: true, safe: true }), "fail", "never twice");
  assertEquals(afterStreamEnd({ resent: false, safe: false }), "fail");
});

Deno.test("a resend budget is per request, read from the body only when spent, and gone once the request is", () => {
  const table = new RequestTable({ timeoutMs: 60_000 });
  table.track(1, "tools/call", () => {});
  table.track(2, "tools/call", () => {});
  const budget = new ResendBudget(table, 2);
  const body = (id: number) => JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call" });
  assertEquals([budget.spendFor(body(1)), budget.spendFor(body(1)), budget.spend(1)], [
    true,
    true,
    false,
  ]);
  assertEquals(budget.spendFor(body(2)), true, "another request has its own");
  assertEquals(budget.spendFor('{"jsonrpc":"2.0","method":"notifications/cancelled"}'), true);
  assertEquals(budget.spendFor("not json"), true, "what names no request is not limited");
  assertEquals(table.take(1)?.resends, 2, "the count is the request's record's");
  table.track(1, "tools/call", () => {});
  assertEquals(budget.spend(1), true, "a new request under a reused id starts afresh");
  table.take(1);
  table.take(2);
});
