/**
 * End-to-end: what goes wrong, through the real proxy with raw stdin lines,
 * so that ids, error codes and exact output can be checked.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_SECRET, startBackend } from "./fixtures/backend.ts";
import {
  BACKEND_SCOPE,
  INITIALIZED_LINE,
  initializeLine,
  makeAwsHome,
  spawnRawProxy,
  withProxyStderr,
} from "./fixtures/proxy_process.ts";
import { rawRun } from "./fixtures/proxy_run.ts";

const SCOPE = [...BACKEND_SCOPE];
const INIT = initializeLine;

Deno.test("a wrong secret key gets one clear error with the original id, and no secret is logged", async () => {
  const wrong = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYWRONGSECRET";
  const out = await rawRun({
    args: [...SCOPE, "--log-level", "debug"],
    env: { AWS_SECRET_ACCESS_KEY: wrong },
  }, async (proxy) => {
    await proxy.send(INIT("init-1"));
    const reply = await proxy.next();
    assertEquals(reply.id, "init-1");
    const error = reply.error as { code: number; message: string; data?: { httpStatus: number } };
    assertMatch(error.message, /signature does not match/);
    assertEquals(error.data?.httpStatus, 403);
  });
  assertEquals(out.stdout, "", "exactly one answer");
  for (const text of [out.stderr, out.stdout]) {
    assert(!text.includes(wrong), "the secret never appears");
    assert(!/Signature=[0-9a-f]{64}/.test(text), "no signature appears");
  }
});

Deno.test("a signature scoped to the wrong service says to pass --service", async () => {
  await rawRun({ backend: { service: "bedrock-agentcore" } }, async (proxy) => {
    await proxy.send(INIT(1));
    const reply = await proxy.next();
    assertMatch(
      (reply.error as { message: string }).message,
      /signed for service "execute-api" in "us-east-1".*Pass the right --service or --region/,
    );
  });
});

Deno.test("a session token is signed and required; it never appears in a debug log", async () => {
  const token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN/abc+def==";
  const keys = new Map([[EXAMPLE_KEY_ID, {
    secretAccessKey: EXAMPLE_SECRET,
    sessionToken: token,
  }]]);
  const ok = await rawRun({
    backend: { keys },
    args: [...SCOPE, "--log-level", "debug"],
    env: { AWS_SESSION_TOKEN: token },
  }, async (proxy) => {
    await proxy.send(INIT(1));
    assert("result" in await proxy.next());
  });
  assert(!ok.stderr.includes(token) && !ok.stderr.includes(EXAMPLE_SECRET));
  await rawRun({ backend: { keys } }, async (proxy) => {
    await proxy.send(INIT(1));
    assertMatch(
      ((await proxy.next()).error as { message: string }).message,
      /AWS does not recognise the credentials of the default credential chain: The security token included in the request is invalid\. Renew them/,
    );
  });
});

Deno.test("credentials and region come from a named profile in the shared files", async () => {
  const out = await rawRun({
    args: ["--service", "execute-api", "--profile", "dev"],
    env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" },
    home: {
      credentials:
        `[dev]\naws_access_key_id = ${EXAMPLE_KEY_ID}\naws_secret_access_key = ${EXAMPLE_SECRET}\n`,
      config: "[profile dev]\nregion = us-east-1\n",
    },
  }, async (proxy) => {
    await proxy.send(INIT(1));
    assert("result" in await proxy.next());
  });
  assertMatch(out.stderr, /as execute-api in us-east-1 with profile dev/);
});

Deno.test("a profile with no credentials gets an error naming it and the command to run", async () => {
  await rawRun({
    args: [...SCOPE, "--profile", "missing"],
    env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" },
  }, async (proxy) => {
    await proxy.send(INIT(5));
    const reply = await proxy.next();
    assertEquals(reply.id, 5);
    assertMatch(
      (reply.error as { message: string }).message,
      /profile "missing".*aws (configure|sso login) --profile missing/,
    );
  });
});

Deno.test("a backend that is down gets 'Cannot reach' with the original id", async () => {
  const closed = startBackend();
  const url = closed.url;
  await closed.close();
  await rawRun({ endpoint: () => url }, async (proxy) => {
    await proxy.send(INIT(9));
    const reply = await proxy.next();
    assertEquals(reply.id, 9);
    assertMatch(
      (reply.error as { message: string }).message,
      new RegExp(`Cannot reach ${url.host}`),
    );
  });
});

Deno.test("malformed JSON and non-JSON-RPC lines get errors, and the proxy keeps serving", async () => {
  await rawRun({}, async (proxy) => {
    await proxy.send("{not json");
    const parse = await proxy.next();
    assertEquals((parse.error as { code: number }).code, -32700);
    await proxy.send('{"hello":"world"}');
    const invalid = await proxy.next();
    assertEquals((invalid.error as { code: number }).code, -32600);
    await proxy.send(INIT(1));
    assert("result" in await proxy.next());
    await proxy.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }));
    assertEquals(await proxy.next(), { jsonrpc: "2.0", id: 2, result: {} });
  });
});

Deno.test("a line over 10 MiB is answered with Invalid Request under its id, and the proxy keeps serving", async () => {
  const out = await rawRun({}, async (proxy) => {
    await proxy.send(INIT(1));
    assert("result" in await proxy.next());
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: "big-1",
      method: "tools/call",
      params: { name: "echo", arguments: { text: "x".repeat(11 * 1024 * 1024) } },
    });
    await proxy.send(huge);
    const refused = await proxy.next();
    assertEquals(refused.id, "big-1");
    assertEquals((refused.error as { code: number }).code, -32600);
    assertMatch(
      (refused.error as { message: string }).message,
      new RegExp(`a message of ${huge.length} bytes is longer than the 10485760 byte limit`),
    );
    await proxy.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }));
    assertEquals(await proxy.next(), { jsonrpc: "2.0", id: 2, result: {} });
  });
  assertEquals(out.code, 0);
});

Deno.test("a redirect to another origin is not followed: the signed request never leaves", async () => {
  const target = startBackend();
  let redirected = 0;
  const redirector = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    redirected++;
    return new Response(null, { status: 307, headers: { location: target.url.href } });
  });
  const home = await makeAwsHome();
  const endpoint = new URL(`http://127.0.0.1:${redirector.addr.port}/mcp`);
  // The network permission covers the target too, so only the proxy's own rule can stop it.
  const proxy = spawnRawProxy(endpoint, home.home, SCOPE, {}, "127.0.0.1");
  let failed: unknown;
  try {
    await proxy.send(INIT(1));
    const reply = await proxy.next();
    assertMatch(
      (reply.error as { message: string }).message,
      new RegExp(`redirects elsewhere \\(HTTP 307\\): Redirect to ${target.url.href} not followed`),
    );
    assertEquals(redirected, 1);
    assertEquals(target.seen.length, 0, "the target never saw a request");
  } catch (error) {
    failed = error;
  }
  const { stderr } = await proxy.finish();
  await home.remove();
  await redirector.shutdown();
  await target.close();
  if (failed) throw withProxyStderr(failed, stderr);
});

Deno.test("a call slower than --timeout is answered with a timeout error under its id and cancelled upstream", async () => {
  let backend: ReturnType<typeof startBackend> | undefined;
  await rawRun({
    args: [...SCOPE, "--timeout", "0.5"],
    backend: {},
    onBackend: (b) => (backend = b),
  }, async (proxy) => {
    await proxy.send(INIT(1));
    await proxy.next();
    await proxy.send(INITIALIZED_LINE);
    const started = Date.now();
    await proxy.send(JSON.stringify({
      jsonrpc: "2.0",
      id: "slow-1",
      method: "tools/call",
      params: { name: "slow_echo", arguments: { text: "late", ms: 5000 } },
    }));
    const reply = await proxy.next();
    assertEquals(reply.id, "slow-1");
    assertEquals((reply.error as { code: number }).code, -32001);
    assertMatch(
      (reply.error as { message: string }).message,
      /did not answer tools\/call within 0.5 s \(--timeout\); the request was cancelled/,
    );
    assert(Date.now() - started < 3000, "answered at the timeout, not when the backend finished");
    await new Promise((r) => setTimeout(r, 200));
    assert(
      backend!.seen.some((r) => r.rpc.includes("notifications/cancelled")),
      "the backend was told to cancel",
    );
  });
});

Deno.test("closing stdin with a call in flight still answers it before exiting", async () => {
  const out = await rawRun({}, async (proxy) => {
    await proxy.send(INIT(1));
    await proxy.next();
    await proxy.send(INITIALIZED_LINE);
    await proxy.send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 42,
        method: "tools/call",
        params: { name: "slow_echo", arguments: { text: "late", ms: 300 } },
      }),
    );
  });
  assertEquals(out.code, 0);
  const last = JSON.parse(out.stdout.trim().split("\n").at(-1)!);
  assertEquals(last, {
    jsonrpc: "2.0",
    id: 42,
    result: { content: [{ type: "text", text: "late" }] },
  });
});

Deno.test("SIGTERM ends the backend session with a DELETE and exits 0", async () => {
  const backend = startBackend();
  const home = await makeAwsHome();
  const proxy = spawnRawProxy(backend.url, home.home, SCOPE);
  await proxy.send(INIT(1));
  await proxy.next();
  proxy.child.kill("SIGTERM");
  // Wait for the exit before finish() closes stdin, so the signal alone ends the proxy.
  await proxy.child.status;
  const out = await proxy.finish();
  assertEquals(out.code, 0);
  assertEquals(backend.deletedSessions.length, 1);
  assertMatch(out.stderr, /shutting down: SIGTERM/);
  await home.remove();
  await backend.close();
});

Deno.test("an AgentCore runtime URL with an encoded ARN is signed as AWS expects", async () => {
  const path =
    "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fagent-1/invocations";
  await rawRun({
    backend: { service: "bedrock-agentcore", path },
    args: ["--service", "bedrock-agentcore", "--region", "us-east-1"],
  }, async (proxy) => {
    await proxy.send(INIT(1));
    assert("result" in await proxy.next());
  });
});

Deno.test("secrets a 403 echoes back never reach the client's error or the log", async () => {
  const token = "IQoJb3JpZ2luX2VjEXAMPLEECHOEDTOKEN/xyz+0==";
  const keys = new Map([[EXAMPLE_KEY_ID, {
    secretAccessKey: EXAMPLE_SECRET,
    sessionToken: token,
  }]]);
  const wrong = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYWRONGSECRET";
  let error = "";
  const out = await rawRun({
    backend: { keys, echoSecretsOn403: true },
    args: [...SCOPE, "--log-level", "debug"],
    env: { AWS_SECRET_ACCESS_KEY: wrong, AWS_SESSION_TOKEN: token },
  }, async (proxy) => {
    await proxy.send(INIT(1));
    error = await proxy.nextLine();
  });
  assertMatch(error, /signature does not match/);
  assertMatch(error, /Authorization: \[redacted\]/, "the echo is there, scrubbed");
  for (const text of [error, out.stderr]) {
    assert(!text.includes(token), "the session token never appears");
    assert(!text.includes(token.slice(0, 20)), "nor any part of it");
    assert(!text.includes(wrong), "the secret never appears");
    assert(!/Signature=[0-9a-f]+/.test(text), "no signature appears");
    assert(!/AWS4-HMAC-SHA256 Credential/.test(text), "no authorization value appears");
  }
});

Deno.test("a 404 on a URL without /mcp suggests it", async () => {
  await rawRun({ endpoint: (url) => new URL("/", url) }, async (proxy) => {
    await proxy.send(INIT(1));
    const reply = await proxy.next();
    assertMatch(
      (reply.error as { message: string }).message,
      /HTTP 404 \(not found\).*Check the URL: MCP servers are usually served under \/mcp, as in http:\/\/127\.0\.0\.1:\d+\/mcp/,
    );
  });
});
