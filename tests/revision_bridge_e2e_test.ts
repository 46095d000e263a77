/**
 * End-to-end: a client of revision 2025-11-25 (the SDK 1.x client, which
 * sends `initialize` and answers server-to-client requests) through the real
 * proxy to a server that speaks only 2026-07-28 and refuses that
 * `initialize` with -32022. The proxy bridges the two.
 */
import {
  Client,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  StdioClientTransport,
  ToolListChangedNotificationSchema,
} from "./fixtures/sdk.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { modernSetup } from "./fixtures/modern_backend.ts";
import {
  BACKEND_SCOPE,
  proxyServerParams,
  spawnRawProxy,
  testThroughProxy,
} from "./fixtures/proxy_process.ts";

Deno.test("a 2025-11-25 client reaches a 2026-07-28-only server through the proxy: discovery, the gate, input asked as server-to-client requests", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const transport = new StdioClientTransport(
    proxyServerParams(backend.url, home.home, BACKEND_SCOPE),
  );
  const client = new Client(
    { name: "legacy-test", version: "1.0.0" },
    { capabilities: { elicitation: { form: {} }, roots: { listChanged: true } } },
  );
  const asked: string[] = [];
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(`elicitation: ${request.params.message}`);
    return { action: "accept", content: { confirm: true } };
  });
  client.setRequestHandler(ListRootsRequestSchema, () => {
    asked.push("roots");
    return { roots: [{ uri: "file:///work", name: "work" }] };
  });
  await testThroughProxy(client, transport, async (stderr) => {
    assertEquals(client.getServerVersion()?.name, "modern-test-backend");
    assert(
      client.getServerCapabilities()?.tools !== undefined,
      "capabilities from server/discover",
    );

    const names = (await client.listTools()).tools.map((t) => t.name);
    assertEquals(
      names,
      ["echo", "lookup", "confirm_roots", "slow"],
      "the gate filters the bridged list",
    );
    // The revision has no logging/setLevel: the level travels in every request's envelope.
    await client.setLoggingLevel("debug");
    assert(!backend.seen.some((r) => r.rpcMethod === "logging/setLevel"), "answered by the proxy");
    // Nor ping: answered once a server/discover shows the server is there.
    const discovers = backend.seen.filter((r) => r.rpcMethod === "server/discover").length;
    await client.ping();
    assertEquals(
      backend.seen.filter((r) => r.rpcMethod === "server/discover").length,
      discovers + 1,
    );
    assert(!backend.seen.some((r) => r.rpcMethod === "ping"));
    const echo = await client.callTool({ name: "echo", arguments: { text: "bridged" } });
    assertEquals(echo.content, [{ type: "text", text: "bridged" }]);
    assertEquals(backend.seen.at(-1)?.rpcMeta?.["io.modelcontextprotocol/logLevel"], "debug");

    // Input the server asks for reaches the client as the requests it knows, both in one round.
    const confirmed = await client.callTool({
      name: "confirm_roots",
      arguments: { topic: "logs" },
    });
    assertEquals(asked.sort(), ["elicitation: Look into logs?", "roots"]);
    const text = (confirmed.content as { text: string }[])[0]!.text;
    assertMatch(text, /^logs: confirmed true; roots file:\/\/\/work; state /);
    assertEquals(backend.calls.get("confirm_roots"), 2, "asked, then answered");

    // Read-only mode still holds, and Mcp-Param-* headers are still sent.
    await assertRejects(() => client.callTool({ name: "write_note", arguments: { note: "x" } }));
    assertEquals(backend.calls.get("write_note"), undefined, "never reached the server");
    await client.callTool({ name: "lookup", arguments: { region: "eu-west-1" } });
    assertEquals(backend.seen.at(-1)?.headers["mcp-param-region"], "eu-west-1");

    const posts = backend.seen.filter((r) => r.method === "POST");
    // The client's own initialize, refused: it names no revision in a header.
    assertEquals(posts[0]?.headers["mcp-protocol-version"], undefined);
    for (const post of posts.slice(1)) {
      assert(post.verified, "signed");
      assertEquals(post.headers["mcp-protocol-version"], "2026-07-28");
      assert(post.signedHeaders.includes("mcp-protocol-version"), "the header is signed");
      assertEquals(post.headers["mcp-session-id"], undefined, "no session");
    }
    assertEquals(posts[1]?.headers["mcp-method"], "server/discover");
    assert(
      !posts.some((p) => p.headers["mcp-method"] === "notifications/initialized"),
      "notifications/initialized has no 2026-07-28 counterpart",
    );
    assertMatch(
      stderr(),
      /the server speaks only 2026-07-28; the proxy speaks it for this 2025-11-25 client/,
    );
  });
  assert(!backend.seen.some((r) => r.method === "DELETE"), "no session to end");
});

Deno.test("bridged: results lose resultType, input goes to the client under the proxy's own ids, and a refused input request ends the call with the reason", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const proxy = spawnRawProxy(backend.url, home.home, BACKEND_SCOPE);
  const line = (message: Record<string, unknown>) => JSON.stringify({ jsonrpc: "2.0", ...message });
  try {
    await proxy.send(line({
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: { elicitation: {}, roots: {} },
        clientInfo: { name: "raw", version: "1" },
      },
    }));
    const init = await proxy.next();
    assertEquals(init.id, 1);
    const initialized = init.result as { protocolVersion: string };
    assertEquals(initialized.protocolVersion, "2025-06-18", "the client's own revision");
    await proxy.send(line({ method: "notifications/initialized" }));

    await proxy.send(
      line({ id: 2, method: "tools/call", params: { name: "echo", arguments: { text: "a" } } }),
    );
    const echo = await proxy.next();
    assertEquals(echo.id, 2);
    const result = echo.result as Record<string, unknown>;
    assertEquals(result.content, [{ type: "text", text: "a" }]);
    assertEquals("resultType" in result, false, "a 2025-era result has no resultType");
    // Nor has the proxy's own tool error, for arguments the schema refuses.
    await proxy.send(
      line({ id: 7, method: "tools/call", params: { name: "echo", arguments: { text: 5 } } }),
    );
    const refusedArgs = (await proxy.next()).result as Record<string, unknown>;
    assertEquals(refusedArgs.isError, true);
    assertEquals("resultType" in refusedArgs, false, "the proxy's own result, too");

    await proxy.send(
      line({
        id: 3,
        method: "tools/call",
        params: { name: "confirm_roots", arguments: { topic: "t" } },
      }),
    );
    type Input = { id: string; method: string };
    const inputs = [await proxy.next(), await proxy.next()] as Input[];
    inputs.sort((a, b) => a.method.localeCompare(b.method));
    assertEquals(inputs.map((m) => m.method), ["elicitation/create", "roots/list"]);
    for (const input of inputs) assertMatch(String(input.id), /^aws-mcp-proxy:own:/);
    // The client cannot answer the elicitation: the call ends with the reason, nothing retried.
    await proxy.send(
      line({ id: inputs[0]!.id, error: { code: -32601, message: "no elicitation here" } }),
    );
    await proxy.send(line({ id: inputs[1]!.id, result: { roots: [] } }));
    const refused = await proxy.next();
    assertEquals(refused.id, 3);
    assertMatch(
      (refused.error as { message: string }).message,
      /refused input request "confirm": no elicitation here/,
    );
    assertEquals(backend.calls.get("confirm_roots"), 1, "not sent again");
  } finally {
    const out = await proxy.finish();
    assertEquals(out.code, 0, out.stderr);
  }
});

Deno.test("bridged: every leg of a tool call is judged again, so a tool that became a write tool while the client answered is not called again", async () => {
  // A server without subscriptions: its lists are fresh for their ttlMs only (0 here).
  await using run = await modernSetup({ listen: false });
  const { backend, home } = run;
  const transport = new StdioClientTransport(
    proxyServerParams(backend.url, home.home, BACKEND_SCOPE),
  );
  const client = new Client(
    { name: "legacy-test", version: "1.0.0" },
    { capabilities: { elicitation: { form: {} }, roots: {} } },
  );
  client.setRequestHandler(ElicitRequestSchema, () => {
    // While the client answers, the server makes the tool a write tool and tells no one.
    backend.setReadOnly("confirm_roots", false);
    return { action: "accept", content: { confirm: true } };
  });
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }));
  await testThroughProxy(client, transport, async () => {
    await assertRejects(
      () => client.callTool({ name: "confirm_roots", arguments: { topic: "logs" } }),
      Error,
      "hidden by the proxy",
    );
    assertEquals(backend.calls.get("confirm_roots"), 1, "the second leg never reached the server");
  });
});

Deno.test("bridged, the server's tool-list changes reach the 2025-era client through the proxy's own subscription", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const transport = new StdioClientTransport(
    proxyServerParams(backend.url, home.home, BACKEND_SCOPE),
  );
  const client = new Client({ name: "legacy-listener", version: "1.0.0" }, { capabilities: {} });
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
  await testThroughProxy(client, transport, async (stderr) => {
    const deadline = Date.now() + 5000;
    while (!/following the server's tool-list changes/.test(stderr())) {
      if (Date.now() > deadline) throw new Error("the proxy never subscribed");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    backend.toolsChanged();
    while (changes === 0 && Date.now() < deadline + 5000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assertEquals(changes, 1);
  });
});
