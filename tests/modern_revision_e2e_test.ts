/**
 * End-to-end: a client of protocol revision 2026-07-28 (the SDK 2.x client,
 * pinned to it) through the real proxy, in read-only mode, to a stateless
 * server of that revision. Every POST carries the standard headers, signed;
 * no session is kept; the gate works without an `initialize`.
 */
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { modernSetup } from "./fixtures/modern_backend.ts";
import {
  BACKEND_SCOPE,
  proxyServerParams,
  spawnRawProxy,
  testThroughProxy,
  withProxyStderr,
} from "./fixtures/proxy_process.ts";

/**
 * One stdin line of a raw 2026-07-28 client: a request (with `id`) or a
 * notification, the protocol envelope in its `_meta`.
 */
function modernLine(
  id: number | undefined,
  method: string,
  params: Record<string, unknown> = {},
): string {
  const _meta = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
    "io.modelcontextprotocol/clientCapabilities": {},
  };
  return JSON.stringify({
    jsonrpc: "2.0",
    ...(id === undefined ? {} : { id }),
    method,
    params: { ...params, _meta },
  });
}

Deno.test("a 2026-07-28 client through the proxy: signed standard headers, no session, the gate in read-only mode", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const transport = new StdioClientTransport(
    proxyServerParams(backend.url, home.home, BACKEND_SCOPE),
  );
  const client = new Client(
    { name: "modern-test", version: "1.0.0" },
    { versionNegotiation: { mode: "pin", pin: "2026-07-28" } } as never,
  );
  await testThroughProxy(client, transport, async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assertEquals(
      names,
      ["echo", "lookup", "confirm_roots", "slow"],
      "read-only mode hides write_note; bad_header is left out",
    );
    const result = await client.callTool({ name: "echo", arguments: { text: "modern" } });
    assertEquals(result.content, [{ type: "text", text: "modern" }]);
    await assertRejects(() => client.callTool({ name: "write_note", arguments: { note: "x" } }));
    assertEquals(backend.calls.get("write_note"), undefined, "never reached the server");
    // Arguments the schema refuses: the proxy's own tool error, a result the client accepts.
    const echoes = backend.calls.get("echo");
    const refused = await client.callTool({ name: "echo", arguments: { text: 42 } });
    assertEquals(refused.isError, true);
    assertMatch(JSON.stringify(refused.content), /arguments\/text must be string/);
    assertEquals(backend.calls.get("echo"), echoes, "never reached the server");

    const posts = backend.seen.filter((r) => r.method === "POST");
    assert(posts.length >= 3);
    for (const post of posts) {
      assert(post.verified, "signed");
      assertEquals(post.headers["mcp-protocol-version"], "2026-07-28");
      assert(post.signedHeaders.includes("mcp-protocol-version"), "the header is signed");
      assert(post.headers["mcp-method"] !== undefined, "Mcp-Method is sent");
      assertEquals(post.headers["mcp-session-id"], undefined, "no session");
    }
    const call = posts.find((p) => p.headers["mcp-method"] === "tools/call");
    assertEquals(call?.headers["mcp-name"], "echo");

    // Declared arguments travel as Mcp-Param-* headers, signed, Base64 when they must.
    for (const region of ["eu-west-1", "Zürich "]) {
      await client.callTool({ name: "lookup", arguments: { region } });
      const lookup = backend.seen.at(-1)!;
      const expected = region === "eu-west-1"
        ? region
        : `=?base64?${btoa(String.fromCharCode(...new TextEncoder().encode(region)))}?=`;
      assertEquals(lookup.headers["mcp-param-region"], expected);
      assert(lookup.signedHeaders.includes("mcp-param-region"), "the header is signed");
    }
    // A tool with an invalid declaration is never called, even by name.
    const before = backend.seen.length;
    await assertRejects(() => client.callTool({ name: "bad_header", arguments: { filter: {} } }));
    assertEquals(backend.calls.get("bad_header"), undefined);
    assert(!backend.seen.slice(before).some((r) => r.headers["mcp-name"] === "bad_header"));
  });
  assert(!backend.seen.some((r) => r.method === "DELETE"), "no session to end");
});

Deno.test("the proxy itself leaves out a tool whose x-mcp-header is invalid, and never calls it", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const proxy = spawnRawProxy(backend.url, home.home, BACKEND_SCOPE);
  try {
    await proxy.send(modernLine(1, "tools/list"));
    const list = await proxy.next();
    const names = (list.result as { tools: { name: string }[] }).tools.map((t) => t.name);
    assertEquals(names, ["echo", "lookup", "confirm_roots", "slow"]);
    await proxy.send(
      modernLine(2, "tools/call", { name: "bad_header", arguments: { filter: {} } }),
    );
    const refused = await proxy.next();
    assertEquals(refused.id, 2);
    assertMatch((refused.error as { message: string }).message, /declares an invalid x-mcp-header/);
    assertEquals(backend.calls.get("bad_header"), undefined, "never reached the server");
  } finally {
    const out = await proxy.finish();
    assert(/left out tool bad_header: invalid x-mcp-header/.test(out.stderr), out.stderr);
  }
});

Deno.test("with --allow-write too, a tools/call of a tool with an invalid x-mcp-header sent as a notification never leaves", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const proxy = spawnRawProxy(backend.url, home.home, [...BACKEND_SCOPE, "--allow-write"]);
  try {
    await proxy.send(modernLine(1, "tools/list", {}));
    await proxy.next();
    await proxy.send(
      modernLine(undefined, "tools/call", { name: "bad_header", arguments: { filter: {} } }),
    );
    // A call that does leave, after it: once answered, the notification would have reached the backend first.
    await proxy.send(modernLine(2, "tools/call", { name: "echo", arguments: { text: "after" } }));
    assertEquals((await proxy.next()).id, 2);
    assertEquals(backend.calls.get("echo"), 1);
    // A notification POST carries no Mcp-Method: besides the gate's tool lists and its own
    // subscription to their changes, the backend got echo only.
    const posts = backend.seen.filter((r) => r.method === "POST");
    const gates = ["tools/list", "subscriptions/listen"];
    assertEquals(
      posts.filter((r) => !gates.includes(r.headers["mcp-method"] ?? "")).map((r) =>
        r.headers["mcp-name"]
      ),
      ["echo"],
    );
  } finally {
    const out = await proxy.finish();
    assert(/dropped a tools\/call of "bad_header"/.test(out.stderr), out.stderr);
  }
});

Deno.test("an SDK 2.x client in auto mode settles on 2026-07-28 through the proxy, its probe on a throwaway proxy", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const transport = new StdioClientTransport(
    proxyServerParams(backend.url, home.home, BACKEND_SCOPE),
  );
  const client = new Client(
    { name: "auto", version: "1.0.0" },
    { versionNegotiation: { mode: "auto" } } as never,
  );
  await testThroughProxy(client, transport, async () => {
    assertEquals(client.getNegotiatedProtocolVersion(), "2026-07-28");
    const result = await client.callTool({ name: "echo", arguments: { text: "auto" } });
    assertEquals(result.content, [{ type: "text", text: "auto" }]);
    const methods = backend.seen.map((r) => r.headers["mcp-method"]);
    assert(methods.includes("server/discover"), "the probe reached the server, signed");
    assert(backend.seen.every((r) => r.verified));
  });
});

Deno.test("a 2026-07-28 server without subscriptions that makes a read-only tool a write tool, announcing nothing, is not called in read-only mode: its list is never fresher than its ttlMs", async () => {
  await using run = await modernSetup({ listen: false });
  const { backend, home } = run;
  const proxy = spawnRawProxy(backend.url, home.home, BACKEND_SCOPE);
  const call = (id: number) =>
    modernLine(id, "tools/call", { name: "echo", arguments: { text: `call ${id}` } });
  try {
    await proxy.send(call(1));
    assertEquals((await proxy.next()).result !== undefined, true, "read-only: allowed");
    assertEquals(backend.calls.get("echo"), 1);
    backend.setReadOnly("echo", false);
    await proxy.send(call(2));
    const refused = await proxy.next();
    assertEquals(refused.id, 2);
    assertMatch((refused.error as { message: string }).message, /hidden by the proxy/);
    assertEquals(backend.calls.get("echo"), 1, "the write tool never reached the server");
  } finally {
    await proxy.finish();
  }
});

Deno.test("a subscriptions/listen stream stays open past --timeout and carries the server's change notifications; shutdown does not wait for it", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const transport = new StdioClientTransport(
    proxyServerParams(backend.url, home.home, [...BACKEND_SCOPE, "--timeout", "1"]),
  );
  const client = new Client(
    { name: "listener", version: "1.0.0" },
    { versionNegotiation: { mode: "pin", pin: "2026-07-28" } } as never,
  );
  let changes = 0;
  client.setNotificationHandler(
    "notifications/tools/list_changed" as never,
    (() => void changes++) as never,
  );
  await testThroughProxy(client, transport, async () => {
    const subscription = await client.listen({ toolsListChanged: true } as never);
    let closed = false;
    subscription.closed.then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    backend.toolsChanged();
    const deadline = Date.now() + 5000;
    while (changes === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assertEquals(changes, 1, "the change, 1.5 s after a 1 s --timeout");
    assertEquals(closed, false, "the subscription is still open");
    const started = performance.now();
    await client.close();
    assert(performance.now() - started < 1000, "the proxy exits without a grace for the stream");
  });
});

Deno.test("a stateless call that runs past --timeout is answered at once and cancelled upstream the revision's way: its stream is closed", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const proxy = spawnRawProxy(backend.url, home.home, [...BACKEND_SCOPE, "--timeout", "1"]);
  const slow = (id: number) =>
    modernLine(id, "tools/call", { name: "slow", arguments: { ms: 5000 } });
  const cancelled = async (times: number) => {
    const deadline = Date.now() + 3000;
    while ((backend.calls.get("slow cancelled") ?? 0) < times && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return backend.calls.get("slow cancelled") ?? 0;
  };
  try {
    await proxy.send(slow(1));
    const answer = await proxy.next();
    assertEquals(answer.id, 1);
    assertMatch(
      (answer.error as { message: string }).message,
      /did not answer tools\/call within 1 s/,
    );
    assertEquals(await cancelled(1), 1, "the server saw the call cancelled");
    // The client's own cancellation goes the same way.
    await proxy.send(slow(2));
    while ((backend.calls.get("slow") ?? 0) < 2) await new Promise((r) => setTimeout(r, 20));
    await proxy.send(
      modernLine(undefined, "notifications/cancelled", {
        requestId: 2,
        reason: "the user stopped it",
      }),
    );
    assertEquals(await cancelled(2), 2, "the server saw the client's cancellation");
    assert(
      !backend.seen.some((r) => r.rpcMethod === "notifications/cancelled"),
      "no notifications/cancelled POST, which a stateless server has no request to match to",
    );
  } finally {
    await proxy.finish();
  }
});

Deno.test("a 2026-07-28 server that offers subscriptions: calls are judged without a tools/list each, and an announced change is seen before the next call", async () => {
  await using run = await modernSetup();
  const { backend, home } = run;
  const proxy = spawnRawProxy(backend.url, home.home, BACKEND_SCOPE);
  const call = (id: number) =>
    modernLine(id, "tools/call", { name: "echo", arguments: { text: `call ${id}` } });
  const lists = () => backend.seen.filter((r) => r.rpcMethod === "tools/list").length;
  try {
    await proxy.send(call(1));
    assertEquals((await proxy.next()).id, 1);
    const deadline = Date.now() + 5000;
    while (!backend.seen.some((r) => r.rpcMethod === "subscriptions/listen")) {
      if (Date.now() > deadline) throw new Error("the proxy never subscribed");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // the acknowledgement, then a load
    const before = lists();
    for (let id = 2; id <= 6; id++) {
      await proxy.send(call(id));
      assertEquals((await proxy.next()).id, id, "the client sees only its answers");
    }
    assertEquals(lists(), before, "five calls, no tools/list among them");
    backend.setReadOnly("echo", false);
    backend.toolsChanged();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await proxy.send(call(7));
    const refused = await proxy.next();
    assertEquals(
      refused.id,
      7,
      "no notification of the proxy's own subscription reached the client",
    );
    assertMatch((refused.error as { message: string }).message, /hidden by the proxy/);
    assertEquals(backend.calls.get("echo"), 6, "the tool, now a write tool, was not called");
  } catch (error) {
    throw withProxyStderr(error, (await proxy.finish()).stderr);
  } finally {
    await proxy.finish();
  }
});
