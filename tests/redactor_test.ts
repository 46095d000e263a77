import { assert, assertEquals } from "./assert.ts";
import { Redactor } from "../src/redactor.ts";

const TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN/abc+def==";
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

Deno.test("remembered secrets are removed by value, as written and URL-encoded", () => {
  const redactor = new Redactor();
  redactor.remember(SECRET, TOKEN, undefined, "short");
  const text = `token ${TOKEN} in a query ${encodeURIComponent(TOKEN)}, secret "${SECRET}", short`;
  assertEquals(
    redactor.redact(text),
    'token [redacted] in a query [redacted], secret "[redacted]", short',
  );
});

Deno.test("signatures, authorization and token values are removed by pattern, whatever their form", () => {
  const redactor = new Redactor();
  const text = [
    "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=0123abcd",
    '"X-Amz-Security-Token":"FQoGZXIvYXdzEXAMPLE"',
    "X-Amz-Signature=deadbeef&X-Amz-Security-Token=abc%2Bdef",
  ].join("\n");
  const out = redactor.redact(text);
  for (
    const secret of ["0123abcd", "FQoGZXIvYXdzEXAMPLE", "deadbeef", "abc%2Bdef", "AKIDEXAMPLE"]
  ) {
    assert(!out.includes(secret), `${secret} removed from: ${out}`);
  }
});
