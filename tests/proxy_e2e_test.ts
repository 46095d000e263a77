/**
 * End-to-end: the real proxy as a subprocess, with the README's permissions,
 * driven by the SDK's Client over stdio, against the local SigV4-verifying
 * backend.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { startBackend } from "./fixtures/backend.ts";
import { BACKEND_SCOPE, connectThroughProxy } from "./fixtures/proxy_process.ts";
import { texts, waitFor, withProxy } from "./fixtures/proxy_run.ts";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
} from "./fixtures/sdk.ts";

Deno.test("initialize, list and call a read-only tool; every request is signed", async () => {
  await withProxy(async (run, backend) => {
    assertEquals(run.client.getServerVersion()?.name, "sigv4-test-backend");
    const { tools } = await run.client.listTools();
    assertEquals(tools.length, 12);
    assert(tools.every((t) => t.annotations?.readOnlyHint === true));
    const result = await run.client.callTool({ name: "echo", arguments: { text: "hi" } });
    assertEquals(result.content, [{ type: "text", text: "hi" }]);
    assert(
      backend.seen.length > 0 && backend.seen.every((r) => r.verified),
      "every request is signed",
    );
    const posts = backend.seen.filter((r) => r.method === "POST" && r.sessionId);
    assert(
      posts.length > 0 && posts.every((r) =>
        r.signedHeaders.includes("mcp-session-id") &&
        r.signedHeaders.includes("mcp-protocol-version")
      ),
    );
    assert(
      backend.seen.some((r) => r.method === "GET" && r.verified),
      "the GET event stream is opened, signed",
    );
    assertMatch(run.stderr(), /14 tools; 12 exposed, 2 hidden/);
    assertMatch(
      run.stderr(),
      /write_note \(readOnlyHint: false\), delete_everything \(no readOnlyHint annotation\)/,
    );
  });
});

Deno.test("tools/call of a write tool is refused in read-only mode and never sent", async () => {
  await withProxy(async (run, backend) => {
    await assertRejects(
      () => run.client.callTool({ name: "write_note", arguments: { note: "x" } }),
      /Tool "write_note" is hidden by the proxy \(readOnlyHint: false\); start the proxy with --allow-tool write_note to trust this tool, or --allow-write/,
    );
    await assertRejects(
      () => run.client.callTool({ name: "delete_everything", arguments: {} }),
      /no readOnlyHint annotation/,
    );
    assert(
      !backend.seen.some((r) => r.rpc.includes("tools/call")),
      "no tools/call reached the backend",
    );
  });
});

Deno.test("a client may call a tool without listing first; the proxy judges it by the backend's list", async () => {
  await withProxy(async (run) => {
    const result = await run.client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
    assertEquals(texts(result), "5");
    await assertRejects(
      () => run.client.callTool({ name: "write_note", arguments: { note: "x" } }),
      /--allow-write/,
    );
    await assertRejects(
      () => run.client.callTool({ name: "no_such_tool", arguments: {} }),
      /not offered by the server/,
    );
  });
});

Deno.test("--allow-write lists and calls every tool", async () => {
  await withProxy(async (run) => {
    const { tools } = await run.client.listTools();
    assertEquals(tools.length, 14);
    assertEquals(
      texts(await run.client.callTool({ name: "write_note", arguments: { note: "n" } })),
      "stored: n",
    );
    assertEquals(
      texts(await run.client.callTool({ name: "delete_everything", arguments: {} })),
      "deleted",
    );
  }, { args: ["--allow-write"] });
});

Deno.test("every page of tools/list is filtered", async () => {
  await withProxy(async (run) => {
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await run.client.listTools(cursor === undefined ? {} : { cursor });
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assertEquals(pages, 5);
    assertEquals(names.length, 12);
    assert(!names.includes("write_note") && !names.includes("delete_everything"));
  }, { backend: { pageSize: 3 } });
});

Deno.test("resources, prompts and completions pass through", async () => {
  await withProxy(async (run) => {
    assertEquals((await run.client.listResources()).resources[0]?.uri, "test://greeting");
    const read = await run.client.readResource({ uri: "test://greeting" });
    assertEquals((read.contents[0] as { text: string }).text, "hello from the backend");
    await assertRejects(
      () => run.client.readResource({ uri: "test://missing" }),
      /Resource not found/,
    );
    assertEquals((await run.client.listPrompts()).prompts[0]?.name, "summarize");
    const prompt = await run.client.getPrompt({ name: "summarize", arguments: { topic: "SigV4" } });
    assertEquals(prompt.messages[0]?.content, { type: "text", text: "Summarize SigV4." });
    const completion = await run.client.complete({
      ref: { type: "ref/prompt", name: "summarize" },
      argument: { name: "topic", value: "si" },
    });
    assertEquals(completion.completion.values, ["sigv4", "signing"]);
    await run.client.setLoggingLevel("debug");
    await run.client.ping();
  });
});

Deno.test("logging notifications reach the client", async () => {
  await withProxy(async (run) => {
    const logs: unknown[] = [];
    run.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params.data);
    });
    await run.client.callTool({ name: "log_message", arguments: { message: "hello log" } });
    await waitFor(() => logs.length === 1);
    assertEquals(logs, ["hello log"]);
  });
});

Deno.test("sampling, elicitation and roots requests from the server reach the client and back", async () => {
  await withProxy(async (run) => {
    assertEquals(
      texts(await run.client.callTool({ name: "ask_llm", arguments: { question: "2+2?" } })),
      "model said: four",
    );
    assertEquals(
      texts(await run.client.callTool({ name: "ask_user", arguments: {} })),
      "user accept: Ada",
    );
    assertEquals(
      texts(await run.client.callTool({ name: "list_roots", arguments: {} })),
      "file:///work",
    );
  }, {
    connect: () => ({
      capabilities: {
        capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
      },
      prepare: (client) => {
        client.setRequestHandler(CreateMessageRequestSchema, () => ({
          role: "assistant",
          content: { type: "text", text: "four" },
          model: "test-model",
        }));
        client.setRequestHandler(
          ElicitRequestSchema,
          () => ({ action: "accept", content: { name: "Ada" } }),
        );
        client.setRequestHandler(
          ListRootsRequestSchema,
          () => ({ roots: [{ uri: "file:///work" }] }),
        );
      },
    }),
  });
});

Deno.test("20 concurrent calls are each answered once with their own result", async () => {
  await withProxy(async (run) => {
    const calls = Array.from(
      { length: 20 },
      (_, i) =>
        run.client.callTool({
          name: "slow_echo",
          arguments: { text: `call-${i}`, ms: (i * 37) % 120 },
        }),
    );
    const results = await Promise.all(calls);
    assertEquals(results.map(texts), Array.from({ length: 20 }, (_, i) => `call-${i}`));
  });
});

Deno.test("a change to the tool list is forwarded and followed", async () => {
  await withProxy(async (run, backend) => {
    let changed = 0;
    run.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    await assertRejects(
      () => run.client.callTool({ name: "extra_tool", arguments: {} }),
      /not offered/,
    );
    assertEquals(
      texts(await run.client.callTool({ name: "toggle_extra_tool", arguments: {} })),
      "added",
    );
    assertEquals(texts(await run.client.callTool({ name: "extra_tool", arguments: {} })), "extra");
    assert((await run.client.listTools()).tools.some((t) => t.name === "extra_tool"));
    assert(changed >= 1, "the client saw notifications/tools/list_changed");

    // A tool that loses its readOnlyHint stops being callable at once.
    await backend.setReadOnly("echo", false);
    await waitFor(() =>
      /readOnlyHint: false\).*echo|echo \(readOnlyHint: false\)/.test(run.stderr())
    );
    await assertRejects(
      () => run.client.callTool({ name: "echo", arguments: { text: "x" } }),
      /echo" is hidden/,
    );
  });
});

Deno.test("arguments that do not match the input schema are answered locally, naming each path", async () => {
  await withProxy(async (run, backend) => {
    const result = await run.client.callTool({ name: "add", arguments: { a: "one" } });
    assertEquals(result.isError, true);
    assertMatch(texts(result), /^Invalid arguments for tool "add": /);
    assertMatch(texts(result), /arguments\/a must be number/);
    assertMatch(texts(result), /arguments must have required property 'b'/);
    assert(!backend.seen.some((r) => r.rpc.includes("tools/call")), "the invalid call never left");
    assertEquals(texts(await run.client.callTool({ name: "add", arguments: { a: 1, b: 2 } })), "3");
  });
});

Deno.test("--metadata and the region reach params._meta; --header is sent and signed", async () => {
  await withProxy(async (run, backend) => {
    const meta = JSON.parse(texts(await run.client.callTool({ name: "show_meta", arguments: {} })));
    assertEquals(meta.AWS_REGION, "us-east-1");
    assertEquals(meta.TEAM, "blue");
    const post = backend.seen.find((r) => r.rpc.includes("tools/call"));
    assertEquals(post?.headers["x-tenant"], "acme");
    assert(post?.signedHeaders.includes("x-tenant"));
  }, { args: ["--metadata", "TEAM=blue", "--header", "X-Tenant: acme"] });
});

Deno.test("--include-tool and --exclude-tool apply to list and call alike", async () => {
  await withProxy(async (run) => {
    const { tools } = await run.client.listTools();
    assertEquals(tools.map((t) => t.name).sort(), ["ask_llm", "ask_user", "echo"]);
    await assertRejects(
      () => run.client.callTool({ name: "add", arguments: { a: 1, b: 1 } }),
      /matches no --include-tool pattern/,
    );
    await assertRejects(
      () => run.client.callTool({ name: "write_note", arguments: { note: "x" } }),
      /matches --exclude-tool write_\*/,
    );
  }, {
    args: [
      "--allow-write",
      "--include-tool",
      "ask_*",
      "--include-tool",
      "echo",
      "--include-tool",
      "write_*",
      "--exclude-tool",
      "write_*",
    ],
  });
});

Deno.test("closing stdin ends the backend session with a signed DELETE", async () => {
  const backend = startBackend();
  const run = await connectThroughProxy(backend.url, { args: [...BACKEND_SCOPE] });
  await run.client.ping();
  await run.close();
  await waitFor(() => backend.deletedSessions.length === 1);
  const del = backend.seen.find((r) => r.method === "DELETE");
  assert(del?.verified, "the DELETE was signed");
  assertEquals(backend.openSessions, 0);
  await backend.close();
});
