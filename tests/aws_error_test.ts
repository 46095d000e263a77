import { assertEquals } from "./assert.ts";
import { authFailureKind, awsErrorMessage } from "../src/aws/aws_error.ts";

Deno.test("the AWS message is read from the body's JSON, whatever its casing, else the text", () => {
  assertEquals(awsErrorMessage('{"message":"Forbidden"}'), "Forbidden");
  assertEquals(awsErrorMessage('{"Message":"User is not authorized"}'), "User is not authorized");
  assertEquals(awsErrorMessage('{"error":{"message":"nested"}}'), "nested");
  assertEquals(awsErrorMessage("  plain text  "), "plain text");
  assertEquals(awsErrorMessage("x".repeat(1000)).length, 400);
});

Deno.test("401/403 rejections are told apart by error type first and message second", () => {
  const kind = (message: string, errorType?: string, status = 403) =>
    authFailureKind({ status, message, errorType: errorType ?? null });
  assertEquals(
    kind("Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z"),
    "skew",
  );
  assertEquals(kind("Signature not yet current: 20260101T001000Z is still later than …"), "skew");
  assertEquals(kind("", "RequestTimeTooSkewed:http://internal.amazon.com/coral/"), "skew");
  assertEquals(kind("The security token included in the request is expired"), "expired-token");
  assertEquals(kind("anything", "ExpiredTokenException"), "expired-token");
  assertEquals(kind("The security token included in the request is invalid."), "invalid-token");
  assertEquals(kind("", "UnrecognizedClientException", 401), "invalid-token");
  assertEquals(kind("Credential should be scoped to correct service: 'lambda'. "), "scope");
  assertEquals(kind("Credential should be scoped to a valid region. "), "scope");
  assertEquals(kind("The request signature we calculated does not match …"), "signature");
  assertEquals(kind("User: arn:aws:iam::1:user/x is not authorized to perform: …"), "denied");
  assertEquals(kind("Signature expired", undefined, 500), undefined);
});
