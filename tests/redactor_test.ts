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

Deno.test("a remembered secret is removed in every shape a server can echo it in", () => {
  const redactor = new Redactor();
  redactor.remember(TOKEN, SECRET);
  const escaped = [...TOKEN].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .join("");
  const shapes = [
    TOKEN.toLowerCase(),
    TOKEN.toUpperCase(),
    escaped,
    JSON.stringify(TOKEN).slice(1, -1).replaceAll("/", "\\/"),
    encodeURIComponent(TOKEN).toLowerCase(),
    btoa(TOKEN),
    btoa(`x-amz-token ${TOKEN} end`),
    btoa(`xy${TOKEN}`).replaceAll("+", "-").replaceAll("/", "_"),
    btoa(`z${SECRET}`),
  ];
  for (const shape of shapes) {
    const out = redactor.redact(`echo ${shape} done`);
    assert(out.includes("[redacted]"), `${shape} → ${out}`);
    for (let at = 0; at + 16 <= TOKEN.length; at += 4) {
      assert(!out.toLowerCase().includes(TOKEN.slice(at, at + 16).toLowerCase()), out);
    }
  }
});

Deno.test("a secret split across two log lines leaves no usable piece in either", () => {
  const redactor = new Redactor();
  redactor.remember(TOKEN);
  const half = Math.floor(TOKEN.length / 2);
  const first = redactor.redact(`chunk 1: ...${TOKEN.slice(0, half)}`);
  const second = redactor.redact(`${TOKEN.slice(half)}... chunk 2`);
  assertEquals(first, "chunk 1: ...[redacted]");
  assertEquals(second, "[redacted]... chunk 2");
  assertEquals(
    redactor.redact("ordinary words of a log line, sixteen+ chars"),
    "ordinary words of a log line, sixteen+ chars",
  );
});

Deno.test("a bare 64-digit hex signature is removed; shorter hex is not", () => {
  const signature = "a".repeat(32) + "0123456789abcdef0123456789ABCDEF";
  assertEquals(new Redactor().redact(`sig ${signature}.`), "sig [redacted].");
  assertEquals(new Redactor().redact("id 0123456789abcdef"), "id 0123456789abcdef");
});

Deno.test("every character a secret can hold makes a valid pattern", () => {
  const redactor = new Redactor();
  const odd = "a-b/c.d*e+f?g^h$i{j}k(l)m|n[o]p\\q-r_s~t=u 'v\"w`x";
  redactor.remember(odd);
  assertEquals(redactor.redact(`x ${odd} y`), "x [redacted] y");
});

Deno.test("a value too long for a pattern per character is still removed, and a slot holds one value at a time", () => {
  const redactor = new Redactor();
  const huge = "k".repeat(3000) + "END-OF-A-VERY-LONG-VALUE";
  redactor.remember(huge);
  assertEquals(redactor.redact(`x ${huge.toUpperCase()} y`), "x [redacted] y");
  redactor.keep("cookie AWSALB", "first-value-abcdefgh");
  redactor.keep("cookie AWSALB", "second-value-abcdefgh");
  assertEquals(redactor.redact("first-value-abcdefgh"), "first-value-abcdefgh", "forgotten");
  assertEquals(redactor.redact("second-value-abcdefgh"), "[redacted]");
  redactor.remember("shared-value-abcdefgh");
  redactor.keep("cookie X", "shared-value-abcdefgh");
  redactor.keep("cookie X", "another-value-abcdefgh");
  assertEquals(redactor.redact("shared-value-abcdefgh"), "[redacted]", "still remembered for good");
});
