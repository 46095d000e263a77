/**
 * End-to-end: JSON-RPC 2.0 and MCP session rules as a real client meets them,
 * through the real proxy with raw stdin lines.
 */
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { type Backend, startBackend } from "./fixtures/backend.ts";
import {
  BACKEND_SCOPE,
  INITIALIZED_LINE,
  initializeLine,
  makeAwsHome,
  spawnRawProxy,
  toolCallLine,
} from "./fixtures/proxy_process.ts";
import { rawRun, waitFor } from "./fixtures/proxy_run.ts";

const line = (message: Record<string, unknown>) => JSON.stringify({ jsonrpc: "2.0", ...message });
const INITIALIZED = INITIALIZED_LINE;

function echoCall(id: string | number, text: string): string {
  return toolCallLine(id, "echo", { text });
}

Deno.test("a line that is not JSON gets a parse error with id null; an invalid message its own id; blank lines nothing", async () => {
  await rawRun({}, async (proxy) => {
    await proxy.send("{not json");
    const parse = await proxy.nextLine();
    assertMatch(parse, /^\{"jsonrpc":"2\.0","id":null,"error":\{"code":-32700,/);
    await proxy.send('{"id":17,"method":"ping"}');
    const invalid = await proxy.next();
    assertEquals([invalid.id, (invalid.error as { code: number }).code], [17, -32600]);
    await proxy.send("");
    await proxy.send("   \r");
    await proxy.send(initializeLine(1));
    assertEquals((await proxy.next()).id, 1, "the blank lines were not answered");
  });
});

Deno.test("client ids in the proxy's own space are the client's: each answered once, with its own result", async () => {
  const ids = [
    "aws-mcp-proxy:own:1",
    "aws-mcp-proxy:own:2",
    "aws-mcp-proxy:1",
    "aws-mcp-proxy:renew-1",
    "aws-mcp-proxy:client:aws-mcp-proxy:own:1",
    "aws-mcp-proxy:",
    1,
  ];
  const out = await rawRun({}, async (proxy) => {
    await proxy.send(initializeLine("aws-mcp-proxy:own:0"));
    assertEquals((await proxy.next()).id, "aws-mcp-proxy:own:0");
    await proxy.send(INITIALIZED);
    // Sent while the proxy's own tools/list (its first own id) is in flight.
    for (const id of ids) await proxy.send(echoCall(id, `for ${id}`));
    await proxy.send(line({ id: "aws-mcp-proxy:own:3", method: "tools/list" }));
    const answers = new Map<unknown, unknown>();
    for (let i = 0; i <= ids.length; i++) {
      const answer = await proxy.next();
      assert(!answers.has(answer.id), `answered ${answer.id} once`);
      answers.set(answer.id, answer.result);
    }
    for (const id of ids) {
      const result = answers.get(id) as { content: { text: string }[] } | undefined;
      assertEquals(result?.content[0]?.text, `for ${id}`);
    }
    const list = answers.get("aws-mcp-proxy:own:3") as { tools: { name: string }[] };
    assert(list.tools.every((t) => t.name !== "write_note"), "the list was filtered");
  });
  assertEquals(out.stdout, "", "nothing more");
});

Deno.test("messages a client pipelines before the initialize answer are held, then sent in order", async () => {
  let backend: Backend | undefined;
  const out = await rawRun({ onBackend: (b) => (backend = b) }, async (proxy) => {
    await proxy.send(
      [
        initializeLine(1),
        line({ id: 2, method: "ping" }),
        INITIALIZED,
        line({ id: 3, method: "tools/list" }),
        echoCall(4, "pipelined"),
      ].join("\n"),
    );
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await proxy.next());
    assertEquals(answers.map((a) => a.id), [1, 2, 3, 4], "the initialize answer comes first");
    assert(answers.every((a) => a.error === undefined), JSON.stringify(answers));
  });
  assertEquals(out.stdout, "");
  const posts = backend!.seen.filter((r) => r.method === "POST").map((r) => r.rpc[0]);
  assertEquals(posts.slice(0, 3), ["initialize", "ping", "notifications/initialized"]);
});

Deno.test("when the client closes its end of stdout, the proxy ends the session and exits", async () => {
  const backend = startBackend();
  const home = await makeAwsHome();
  const proxy = spawnRawProxy(backend.url, home.home, BACKEND_SCOPE);
  try {
    await proxy.send(initializeLine(1));
    await proxy.next();
    await proxy.send(INITIALIZED);
    await waitFor(() => backend.openSessions === 1);
    await proxy.closeStdout();
    // stdin stays open: only the broken pipe tells the proxy the client is gone.
    await proxy.send(line({ id: 2, method: "ping" }));
    const status = await Promise.race([
      proxy.child.status,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 8000)),
    ]);
    assert(status !== undefined, "the proxy exited");
    assertEquals(status.code, 0);
    await waitFor(() => backend.deletedSessions.length === 1);
    assertMatch(await proxy.stderr(), /shutting down: the client closed stdout/);
  } finally {
    await proxy.finish().catch(() => {});
    await home.remove();
    await backend.close();
  }
});

Deno.test("a JSON-RPC error the server sends in an HTTP error body reaches the client unchanged, under its id", async () => {
  await rawRun({ onBackend: (b) => b.errorBodies.add("echo") }, async (proxy) => {
    await proxy.send(initializeLine(1));
    await proxy.next();
    await proxy.send(INITIALIZED);
    await proxy.send(echoCall("aws-mcp-proxy:own:9", "refused by the server"));
    const reply = await proxy.next();
    assertEquals(reply, {
      jsonrpc: "2.0",
      id: "aws-mcp-proxy:own:9",
      error: {
        code: -32022,
        message: "Unsupported protocol version",
        data: { supported: ["2026-07-28"] },
      },
    });
  });
});

Deno.test("a request whose method or claimed version cannot be an HTTP header value is refused at once, and nothing is sent", async () => {
  let backend: Backend | undefined;
  const version = "io.modelcontextprotocol/protocolVersion";
  const out = await rawRun({ onBackend: (b) => (backend = b) }, async (proxy) => {
    await proxy.send(initializeLine(1));
    await proxy.next();
    await proxy.send(INITIALIZED);
    const posts = () => backend!.seen.filter((seen) => seen.method === "POST").length;
    await waitFor(() => posts() >= 3); // initialize, initialized, the proxy's own tools/list
    const before = posts();
    const bad = [
      line({ id: 2, method: "ping", params: { _meta: { [version]: "2026-07-28\r\nx-evil: 1" } } }),
      line({ id: 3, method: "ping", params: { _meta: { [version]: "2026-07-28\u0001" } } }),
      line({ id: 4, method: "ping", params: { _meta: { [version]: "2026-07-28é" } } }),
      line({ id: 5, method: "ping\u0001", params: { _meta: { [version]: "2026-07-28" } } }),
    ];
    const started = Date.now();
    for (const request of bad) await proxy.send(request);
    const answers = [];
    for (let i = 0; i < bad.length; i++) answers.push(await proxy.next());
    assertEquals(answers.map((a) => a.id).sort(), [2, 3, 4, 5]);
    for (const answer of answers) {
      const error = answer.error as { code: number; message: string };
      assertEquals(error.code, -32600, JSON.stringify(answer));
      assertMatch(error.message, /HTTP header/);
    }
    assert(Date.now() - started < 1000, "answered at once, not after retries");
    await proxy.send(echoCall(6, "still up"));
    assertEquals((await proxy.next()).id, 6);
    assertEquals(posts(), before + 1, "only the echo call reached the backend");
  });
  assert(!/retry \d/.test(out.stderr), out.stderr);
});
