import { assert, assertEquals, assertMatch } from "./assert.ts";
import { createRequestSigner, createSigningFetch } from "../src/aws/signer.ts";
import { canonicalUri, type TestKey, verifySigV4 } from "./fixtures/sigv4_verify.ts";
import { createLogger } from "../src/log.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET } from "./fixtures/backend.ts";
import { countedBody } from "./fixtures/counted_body.ts";

const FIXED = Date.UTC(2015, 7, 30, 12, 36, 0);
const credentials = () =>
  Promise.resolve({ accessKeyId: EXAMPLE_KEY_ID, secretAccessKey: EXAMPLE_SECRET });
const keys = new Map([[EXAMPLE_KEY_ID, { secretAccessKey: EXAMPLE_SECRET }]]);

/** Asserts that the test backend's verifier accepts a request signed at FIXED. */
function assertVerified(
  url: URL,
  headers: HeadersInit,
  body: string,
  service: string,
  region = "us-east-1",
) {
  const verdict = verifySigV4("POST", url, new Headers(headers), body, {
    keys,
    service,
    region,
    now: FIXED,
  });
  assert(verdict.ok, JSON.stringify(verdict));
}

Deno.test("the test verifier reproduces the AWS SigV4 test suite's get-vanilla signature", async () => {
  // From the AWS SigV4 test suite: GET / on example.amazonaws.com, service "service".
  const { createHash, createHmac } = await import("node:crypto");
  const { canonicalRequest } = await import("./fixtures/sigv4_verify.ts");
  const headers = new Headers({ host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" });
  const creq = canonicalRequest("GET", new URL("https://example.amazonaws.com/"), headers, [
    "host",
    "x-amz-date",
  ], "");
  const sts = `AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n${
    createHash("sha256").update(creq).digest("hex")
  }`;
  const h = (k: string | Uint8Array, d: string) => createHmac("sha256", k).update(d).digest();
  const key = h(
    h(h(h(`AWS4${EXAMPLE_SECRET}`, "20150830"), "us-east-1"), "service"),
    "aws4_request",
  );
  assertEquals(
    createHmac("sha256", key).update(sts).digest("hex"),
    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  );
});

Deno.test("a POST is signed with a fixed clock to a known signature", async () => {
  const sign = createRequestSigner({
    service: "execute-api",
    region: "us-east-1",
    credentials,
    now: () => FIXED,
  });
  const url = new URL("https://abc.execute-api.us-east-1.amazonaws.com/prod/mcp");
  const headers = new Headers({
    "content-type": "application/json",
    "mcp-session-id": "s-1",
    "user-agent": "test",
  });
  const signed = await sign("POST", url, headers, '{"jsonrpc":"2.0","id":1,"method":"ping"}');
  assertEquals(signed["x-amz-date"], "20150830T123600Z");
  assertEquals(signed.host, url.host);
  assertEquals(
    signed.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, " +
      "SignedHeaders=content-type;host;mcp-session-id;x-amz-content-sha256;x-amz-date, " +
      "Signature=8df37a7f4586f399a373699a7220f5e0570f7f93af084dcd78a03aeabe447033",
  );
  assertVerified(url, signed, '{"jsonrpc":"2.0","id":1,"method":"ping"}', "execute-api");
});

Deno.test("user-agent is not signed and the session token is", async () => {
  const withToken = () =>
    Promise.resolve({
      accessKeyId: EXAMPLE_KEY_ID,
      secretAccessKey: EXAMPLE_SECRET,
      sessionToken: "TOKEN-EXAMPLE",
    });
  const sign = createRequestSigner({
    service: "lambda",
    region: "eu-west-1",
    credentials: withToken,
    now: () => FIXED,
  });
  const signed = await sign(
    "GET",
    new URL("https://x.lambda-url.eu-west-1.on.aws/mcp"),
    new Headers({ "user-agent": "ua", accept: "text/event-stream" }),
    undefined,
  );
  assertEquals(signed["x-amz-security-token"], "TOKEN-EXAMPLE");
  assertMatch(
    signed.authorization!,
    /SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/,
  );
});

Deno.test("an AgentCore ARN path is signed with its %3A encoded once more", async () => {
  const path =
    "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fagent-1/invocations";
  assertEquals(
    canonicalUri(path),
    "/runtimes/arn%253Aaws%253Abedrock-agentcore%253Aus-east-1%253A123456789012%253Aruntime%252Fagent-1/invocations",
  );
  const url = new URL(`https://bedrock-agentcore.us-east-1.amazonaws.com${path}?qualifier=DEFAULT`);
  assertEquals(url.pathname, path, "the URL keeps the wire encoding");
  const sign = createRequestSigner({
    service: "bedrock-agentcore",
    region: "us-east-1",
    credentials,
    now: () => FIXED,
  });
  const signed = await sign("POST", url, new Headers({ "content-type": "application/json" }), "{}");
  assertVerified(url, signed, "{}", "bedrock-agentcore");
});

Deno.test("the signing fetch signs, strips host and never follows redirects", async () => {
  let seen: { url: string; init: RequestInit | undefined } | undefined;
  const next = (url: string | URL, init?: RequestInit) => {
    seen = { url: String(url), init };
    return Promise.resolve(new Response(null, { status: 204 }));
  };
  const signedFetch = createSigningFetch(next, {
    service: "execute-api",
    region: "us-east-1",
    credentials,
    now: () => FIXED,
  });
  await signedFetch("https://abc.execute-api.us-east-1.amazonaws.com/mcp?b=2&a=1", {
    method: "post",
    body: "{}",
    headers: { "content-type": "application/json" },
    redirect: "follow",
  });
  assertEquals(seen?.url, "https://abc.execute-api.us-east-1.amazonaws.com/mcp?b=2&a=1");
  assertEquals(seen?.init?.redirect, "manual");
  assertEquals(seen?.init?.method, "POST");
  const headers = new Headers(seen?.init?.headers);
  assertEquals(headers.has("host"), false);
  assertMatch(
    headers.get("authorization") ?? "",
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/us-east-1\/execute-api\/aws4_request/,
  );
  // The query string is signed in canonical order.
  assertVerified(
    new URL(seen!.url),
    [...headers, ["host", "abc.execute-api.us-east-1.amazonaws.com"]],
    "{}",
    "execute-api",
  );
});

Deno.test("the signing fetch refuses a body it cannot hash", async () => {
  const signedFetch = createSigningFetch(() => Promise.resolve(new Response()), {
    service: "s",
    region: "us-east-1",
    credentials,
  });
  let message = "";
  await signedFetch("https://h/mcp", { method: "POST", body: new Uint8Array([1]) }).catch((
    e,
  ) => (message = e.message));
  assertMatch(message, /can only sign string request bodies/);
});

/**
 * A `next` that answers like AWS: the test verifier on a server clock of
 * `serverNow`, with a `Date` header, 403 and `x-amzn-errortype` when it refuses.
 */
function awsLikeNext(serverNow: number, accepted: () => Map<string, TestKey>) {
  const calls: string[] = [];
  const next = (url: string | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set("host", new URL(url).host);
    const verdict = verifySigV4(
      init?.method ?? "GET",
      new URL(url),
      headers,
      String(init?.body ?? ""),
      {
        keys: accepted(),
        service: "execute-api",
        region: "us-east-1",
        now: serverNow,
      },
    );
    calls.push(verdict.ok ? "ok" : verdict.errorType);
    const date = new Date(serverNow).toUTCString();
    return Promise.resolve(
      verdict.ok
        ? new Response("fine", { headers: { date } })
        : new Response(JSON.stringify({ message: verdict.message }), {
          status: 403,
          headers: { date, "x-amzn-errortype": verdict.errorType },
        }),
    );
  };
  return { next, calls };
}

const MCP_URL = "https://abc.execute-api.us-east-1.amazonaws.com/mcp";

Deno.test("a clock 10 minutes slow is corrected from the server's Date once and the offset kept", async () => {
  const { next, calls } = awsLikeNext(FIXED, () => keys);
  const lines: string[] = [];
  const signedFetch = createSigningFetch(next, {
    service: "execute-api",
    region: "us-east-1",
    credentials,
    now: () => FIXED - 10 * 60_000,
    logger: createLogger({ level: "debug", write: (line) => lines.push(line) }),
  });
  assertEquals(await (await signedFetch(MCP_URL, { method: "POST", body: "{}" })).text(), "fine");
  assertEquals(calls, ["InvalidSignatureException", "ok"]);
  assertEquals(await (await signedFetch(MCP_URL, { method: "POST", body: "{}" })).text(), "fine");
  assertEquals(calls, ["InvalidSignatureException", "ok", "ok"], "no second skew");
  assertMatch(lines.join("\n"), /clock is 600 s behind the server's/);
});

/** Credentials that rotate on forceRefresh when `rotate` is true; the server accepts only the newest. */
function rotatingCredentials(rotate: boolean) {
  let generation = 1;
  let refreshes = 0;
  const current = () => ({
    accessKeyId: EXAMPLE_KEY_ID,
    secretAccessKey: EXAMPLE_SECRET,
    sessionToken: `TOKEN-${generation}`,
  });
  const source = (options?: { forceRefresh?: boolean }) => {
    if (options?.forceRefresh) {
      refreshes++;
      if (rotate) generation++;
    }
    return Promise.resolve(current());
  };
  return {
    source,
    get refreshes() {
      return refreshes;
    },
    accepted: (valid: number) =>
      new Map([[EXAMPLE_KEY_ID, {
        secretAccessKey: EXAMPLE_SECRET,
        sessionToken: `TOKEN-${valid}`,
      }]]),
  };
}

/** A signing fetch whose server accepts only the second session token, over `rotatingCredentials(rotate)`. */
function tokenScenario(rotate: boolean) {
  const creds = rotatingCredentials(rotate);
  const { next, calls } = awsLikeNext(FIXED, () => creds.accepted(2));
  const signedFetch = createSigningFetch(next, {
    service: "execute-api",
    region: "us-east-1",
    credentials: creds.source,
    now: () => FIXED,
  });
  return { creds, calls, signedFetch };
}

Deno.test("a rejected session token makes the signer resolve credentials again and resend once", async () => {
  const { creds, calls, signedFetch } = tokenScenario(true);
  assertEquals(await (await signedFetch(MCP_URL, { method: "POST", body: "{}" })).text(), "fine");
  assertEquals(calls, ["UnrecognizedClientException", "ok"]);
  assertEquals(creds.refreshes, 1);
  await signedFetch(MCP_URL, { method: "POST", body: "{}" });
  assertEquals(creds.refreshes, 1, "the renewed credentials are used from then on");
});

Deno.test("when no fresh credentials come, the rejection is returned intact and nothing is resent", async () => {
  const { creds, calls, signedFetch } = tokenScenario(false);
  const response = await signedFetch(MCP_URL, { method: "POST", body: "{}" });
  assertEquals(response.status, 403);
  assertEquals(response.headers.get("x-amzn-errortype"), "UnrecognizedClientException");
  assertMatch(await response.text(), /security token included in the request is invalid/);
  assertEquals(calls, ["UnrecognizedClientException"]);
  assertEquals(creds.refreshes, 1);
});

Deno.test("a scope or permission refusal is not resent", async () => {
  const { next, calls } = awsLikeNext(FIXED, () => keys);
  const signedFetch = createSigningFetch(next, {
    service: "lambda",
    region: "us-east-1",
    credentials,
    now: () => FIXED,
  });
  assertEquals((await signedFetch(MCP_URL, { method: "POST", body: "{}" })).status, 403);
  assertEquals(calls, ["InvalidSignatureException"]);
});

Deno.test("of a 401/403 body of 32 MB, the signer reads only the start it classifies", async () => {
  // 32 MB, so that a reader of the whole body finishes and fails the check below.
  const { body, pulled } = countedBody(32 * 1024 * 1024);
  const next = () =>
    Promise.resolve(
      new Response(body, {
        status: 403,
        headers: { "x-amzn-errortype": "AccessDeniedException" },
      }),
    );
  const signedFetch = createSigningFetch(next, {
    service: "lambda",
    region: "us-east-1",
    credentials,
  });
  const response = await signedFetch(MCP_URL, { method: "POST", body: "{}" });
  assertEquals(response.status, 403);
  assertEquals((await response.text()).length, 64 * 1024);
  assert(pulled() < 1024 * 1024, `${pulled()} bytes read of a 32 MB body`);
});
